"""Fixtures for the activation layers (nn/testdata/activation.json).

Run: /usr/bin/python3 testdata/gen/nn_activation.py
"""
import torch
from torch import nn

from nn_fixture import NNFixture, det

fx = NNFixture("activation")


def x(seed, *shape, dtype=torch.float32):
    v = det(*shape, seed=seed, lo=-3.0, hi=3.0, dtype=dtype)
    return v


cases = [
    ("relu", "ReLU", nn.ReLU(), {}),
    ("leaky_relu", "LeakyReLU", nn.LeakyReLU(0.2), {"slope": 0.2}),
    ("leaky_relu_default", "LeakyReLU", nn.LeakyReLU(), {"slope": 0.01}),
    ("elu", "ELU", nn.ELU(0.5), {"alpha": 0.5}),
    ("selu", "SELU", nn.SELU(), {}),
    ("gelu", "GELU", nn.GELU(), {"approximate": "none"}),
    ("gelu_tanh", "GELU", nn.GELU(approximate="tanh"), {"approximate": "tanh"}),
    ("silu", "SiLU", nn.SiLU(), {}),
    ("softplus", "Softplus", nn.Softplus(), {"beta": 1.0, "threshold": 20.0}),
    ("softplus_beta", "Softplus", nn.Softplus(beta=2.0, threshold=3.0), {"beta": 2.0, "threshold": 3.0}),
    ("mish", "Mish", nn.Mish(), {}),
    ("hardtanh", "Hardtanh", nn.Hardtanh(), {"min": -1.0, "max": 1.0}),
    ("hardtanh_range", "Hardtanh", nn.Hardtanh(-0.5, 2.0), {"min": -0.5, "max": 2.0}),
    ("sigmoid", "Sigmoid", nn.Sigmoid(), {}),
    ("tanh", "Tanh", nn.Tanh(), {}),
    ("softmax", "Softmax", nn.Softmax(dim=1), {"dim": 1}),
    ("softmax_neg", "Softmax", nn.Softmax(dim=-1), {"dim": -1}),
    ("log_softmax", "LogSoftmax", nn.LogSoftmax(dim=0), {"dim": 0}),
]
for i, (name, layer, m, args) in enumerate(cases):
    shape = (2, 3, 4) if layer in ("Softmax", "LogSoftmax") else (3, 5)
    fx.case(name, layer, m, [x(i, *shape)], args)
fx.case("gelu_f64", "GELU", nn.GELU(), [x(100, 4, 3, dtype=torch.float64)], {"approximate": "none", "dtype": "float64"})
fx.case("elu_f64", "ELU", nn.ELU(1.0), [x(101, 4, 3, dtype=torch.float64)], {"alpha": 1.0, "dtype": "float64"})
fx.case("softmax_f64", "Softmax", nn.Softmax(dim=0), [x(102, 3, 2, dtype=torch.float64)], {"dim": 0, "dtype": "float64"})
fx.write()
