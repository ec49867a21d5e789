"""Fixtures for BatchNorm1d/2d/3d, LayerNorm, RMSNorm and GroupNorm
(nn/testdata/norm.json).

PyTorch 1.13 has no nn.RMSNorm: the RMSNorm class below spells out
PyTorch 2.4's definition (x * rsqrt(mean(x^2) + eps) * weight, eps=None
meaning torch.finfo(x.dtype).eps, parameter "weight").

Run: /usr/bin/python3 testdata/gen/nn_norm.py
"""
import torch
from torch import nn

from nn_fixture import NNFixture, det, fill

fx = NNFixture("norm")
s = [0]


def x(*shape, dtype=torch.float32, lo=-2.0, hi=2.0):
    s[0] += 1
    return det(*shape, seed=s[0], lo=lo, hi=hi, dtype=dtype)


class RMSNorm(nn.Module):
    def __init__(self, shape, eps=None, elementwise_affine=True):
        super().__init__()
        self.normalized_shape = tuple(shape)
        self.eps = eps
        if elementwise_affine:
            self.weight = nn.Parameter(torch.ones(self.normalized_shape))
        else:
            self.register_parameter("weight", None)

    def forward(self, v):
        dims = tuple(range(-len(self.normalized_shape), 0))
        eps = self.eps if self.eps is not None else torch.finfo(v.dtype).eps
        y = v * torch.rsqrt(v.pow(2).mean(dims, keepdim=True) + eps)
        return y * self.weight if self.weight is not None else y


def bn(name, layer, cls, c, inp, train=True, momentum=0.1, affine=True, track=True, eps=1e-5,
       tracked=None, dtype=torch.float32):
    m = cls(c, eps=eps, momentum=momentum, affine=affine, track_running_stats=track).to(dtype)
    fill(m, 10 * s[0])
    if tracked is not None:
        m.num_batches_tracked.fill_(tracked)
    args = {"features": c, "eps": eps, "momentum": momentum, "affine": affine, "track": track}
    if dtype == torch.float64:
        args["dtype"] = "float64"
    fx.case(name, layer, m, [x(*inp, dtype=dtype)], args, train=train)


B1, B2, B3 = nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d
bn("bn1d_train", "BatchNorm1d", B1, 3, (5, 3))
bn("bn1d_train_3d", "BatchNorm1d", B1, 3, (4, 3, 5))
bn("bn1d_eval", "BatchNorm1d", B1, 3, (4, 3, 2), train=False)
bn("bn1d_cumulative", "BatchNorm1d", B1, 2, (6, 2), momentum=None, tracked=3)
bn("bn1d_momentum", "BatchNorm1d", B1, 4, (3, 4), momentum=0.3, eps=1e-3)
bn("bn1d_noaffine", "BatchNorm1d", B1, 3, (4, 3), affine=False)
bn("bn1d_notrack_train", "BatchNorm1d", B1, 3, (4, 3), track=False)
bn("bn1d_notrack_eval", "BatchNorm1d", B1, 3, (4, 3, 2), track=False, train=False)
bn("bn2d_train", "BatchNorm2d", B2, 3, (2, 3, 4, 3))
bn("bn2d_eval", "BatchNorm2d", B2, 3, (2, 3, 3, 3), train=False)
bn("bn2d_eval_noaffine", "BatchNorm2d", B2, 2, (2, 2, 3, 3), train=False, affine=False)
bn("bn2d_f64", "BatchNorm2d", B2, 2, (3, 2, 2, 3), dtype=torch.float64)
bn("bn3d_train", "BatchNorm3d", B3, 2, (2, 2, 2, 3, 2))

ln = fill(nn.LayerNorm(4), 500)
fx.case("layernorm", "LayerNorm", ln, [x(3, 4)], {"shape": [4], "eps": 1e-5, "affine": True})
ln = fill(nn.LayerNorm((3, 4), eps=1e-3), 501)
fx.case("layernorm_2d", "LayerNorm", ln, [x(2, 3, 4)], {"shape": [3, 4], "eps": 1e-3, "affine": True})
fx.case("layernorm_noaffine", "LayerNorm", nn.LayerNorm(5, elementwise_affine=False), [x(2, 2, 5)],
        {"shape": [5], "eps": 1e-5, "affine": False})
ln = fill(nn.LayerNorm(3).double(), 502)
fx.case("layernorm_f64", "LayerNorm", ln, [x(4, 3, dtype=torch.float64)], {"shape": [3], "eps": 1e-5, "affine": True, "dtype": "float64"})

fx.case("rmsnorm", "RMSNorm", fill(RMSNorm([4], eps=1e-6), 600), [x(3, 4)], {"shape": [4], "eps": 1e-6, "affine": True})
# Inputs of size 1e-3 make eps matter (x^2 ~ 1e-6 against eps 1.2e-7) and
# the input gradient large (~500), hence its looser absolute tolerance.
fx.case("rmsnorm_default_eps", "RMSNorm", fill(RMSNorm([2, 3]), 601), [x(2, 2, 3, lo=-1e-3, hi=1e-3)],
        {"shape": [2, 3], "eps": 0.0, "affine": True}, grad_atol=1e-3)
fx.case("rmsnorm_noaffine", "RMSNorm", RMSNorm([5], eps=1e-5, elementwise_affine=False), [x(2, 5)],
        {"shape": [5], "eps": 1e-5, "affine": False})
fx.case("rmsnorm_f64", "RMSNorm", fill(RMSNorm([3]).double(), 602), [x(2, 3, dtype=torch.float64, lo=-1e-7, hi=1e-7)],
        {"shape": [3], "eps": 0.0, "affine": True, "dtype": "float64"})

fx.case("groupnorm", "GroupNorm", fill(nn.GroupNorm(2, 4), 700), [x(2, 4, 3, 3)], {"groups": 2, "channels": 4, "eps": 1e-5, "affine": True})
fx.case("groupnorm_1d", "GroupNorm", fill(nn.GroupNorm(3, 6, eps=1e-3), 701), [x(2, 6, 4)], {"groups": 3, "channels": 6, "eps": 1e-3, "affine": True})
fx.case("groupnorm_noaffine", "GroupNorm", nn.GroupNorm(1, 3, affine=False), [x(2, 3, 2, 2)], {"groups": 1, "channels": 3, "eps": 1e-5, "affine": False})
fx.case("groupnorm_f64", "GroupNorm", fill(nn.GroupNorm(2, 2).double(), 703), [x(3, 2, 5, dtype=torch.float64)],
        {"groups": 2, "channels": 2, "eps": 1e-5, "affine": True, "dtype": "float64"})
fx.write()
