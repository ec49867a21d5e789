"""Fixtures for Identity, Flatten, Unflatten, Bilinear and Dropout (nn/testdata/shape.json).

Run: /usr/bin/python3 testdata/gen/nn_shape.py
"""
import torch
from torch import nn

from nn_fixture import NNFixture, det, fill

fx = NNFixture("shape")

fx.case("identity", "Identity", nn.Identity(), [det(2, 3, seed=1)])
fx.case("flatten_default", "Flatten", nn.Flatten(), [det(2, 3, 2, 2, seed=2)], {"start": 1, "end": -1})
fx.case("flatten_all", "Flatten", nn.Flatten(0, -1), [det(2, 3, 2, seed=3)], {"start": 0, "end": -1})
fx.case("flatten_middle", "Flatten", nn.Flatten(1, 2), [det(2, 3, 2, 2, seed=4)], {"start": 1, "end": 2})
fx.case("unflatten", "Unflatten", nn.Unflatten(1, (2, 3)), [det(4, 6, seed=5)], {"dim": 1, "sizes": [2, 3]})
fx.case("unflatten_neg", "Unflatten", nn.Unflatten(-1, (2, -1)), [det(2, 3, 4, seed=6)], {"dim": -1, "sizes": [2, -1]})

fx.case("bilinear", "Bilinear", fill(nn.Bilinear(3, 4, 5), 10), [det(2, 3, seed=7), det(2, 4, seed=8)],
        {"in1": 3, "in2": 4, "out": 5, "bias": True})
fx.case("bilinear_lead_nobias", "Bilinear", fill(nn.Bilinear(3, 2, 4, bias=False), 11),
        [det(2, 3, 3, seed=9), det(2, 3, 2, seed=10)], {"in1": 3, "in2": 2, "out": 4, "bias": False})
fx.case("bilinear_f64", "Bilinear", fill(nn.Bilinear(2, 3, 2).double(), 12),
        [det(4, 2, seed=11, dtype=torch.float64), det(4, 3, seed=12, dtype=torch.float64)],
        {"in1": 2, "in2": 3, "out": 2, "bias": True, "dtype": "float64"})

# Dropout's masks come from Ember's own generator, so only the
# deterministic cases have PyTorch fixtures: evaluation mode, and p = 0.
fx.case("dropout_eval", "Dropout", nn.Dropout(0.3), [det(3, 4, seed=20)], {"p": 0.3}, train=False)
fx.case("dropout_p0", "Dropout", nn.Dropout(0.0), [det(3, 4, seed=21)], {"p": 0.0}, train=True)
fx.case("dropout2d_eval", "Dropout2d", nn.Dropout2d(0.5), [det(2, 3, 2, 2, seed=22)], {"p": 0.5}, train=False)
fx.write()
