"""Default initialisation of every layer with parameters, from PyTorch's
reset_parameters (nn/testdata/init_layers.json): for each parameter and
buffer, its distribution with the bound or std PyTorch's formulas give
(computed with torch.nn.init's helpers), checked here against a freshly
initialised torch layer so that the formulas are the ones torch uses.

Run: /usr/bin/python3 testdata/gen/nn_init_layers.py
"""
import json
import math
import os

import torch
from torch import nn
from torch.nn import init

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "nn", "testdata", "init_layers.json")
torch.manual_seed(0)


def kaiming_a_sqrt5_bound(w):
    """kaiming_uniform_(w, a=sqrt(5)): gain*sqrt(3/fan_in)."""
    fan_in, _ = init._calculate_fan_in_and_fan_out(w)
    return init.calculate_gain("leaky_relu", math.sqrt(5)) * math.sqrt(3.0 / fan_in)


def bias_bound(w):
    fan_in, _ = init._calculate_fan_in_and_fan_out(w)
    return 1 / math.sqrt(fan_in) if fan_in > 0 else 0


def uniform(t, bound):
    v = t.detach().abs().max().item()
    assert v <= bound * (1 + 1e-6), (v, bound)
    if t.numel() >= 1000:
        assert v >= 0.95 * bound, (v, bound)
    return {"dist": "uniform", "bound": bound}


def constant(t):
    vals = t.detach().unique()
    assert len(vals) == 1
    return {"dist": "constant", "value": vals.item()}


layers = []


def add(layer, args, m, dists):
    keys = list(m.state_dict().keys())
    assert sorted(keys) == sorted(dists), (keys, list(dists))
    layers.append({"layer": layer, "args": args, "keys": keys, "params": dists})


def conv(layer, cls, args, *a, **kw):
    m = cls(*a, **kw)
    d = {"weight": uniform(m.weight, kaiming_a_sqrt5_bound(m.weight))}
    if m.bias is not None:
        d["bias"] = uniform(m.bias, bias_bound(m.weight))
    add(layer, args, m, d)


conv("Conv2d", nn.Conv2d, {"in": 16, "out": 64, "kernel": [3]}, 16, 64, 3)
conv("Conv2d", nn.Conv2d, {"in": 8, "out": 48, "kernel": [2, 5], "groups": 4}, 8, 48, (2, 5), groups=4)
conv("Conv1d", nn.Conv1d, {"in": 12, "out": 100, "kernel": [5], "bias": False}, 12, 100, 5, bias=False)
conv("ConvTranspose2d", nn.ConvTranspose2d, {"in": 60, "out": 20, "kernel": [3], "groups": 2}, 60, 20, 3, groups=2)
conv("ConvTranspose1d", nn.ConvTranspose1d, {"in": 50, "out": 30, "kernel": [4]}, 50, 30, 4)

m = nn.Bilinear(20, 10, 12)
add("Bilinear", {"in1": 20, "in2": 10, "out": 12, "bias": True}, m,
    {"weight": uniform(m.weight, 1 / math.sqrt(20)), "bias": uniform(m.bias, 1 / math.sqrt(20))})

m = nn.Embedding(500, 8, padding_idx=3)
rest = torch.cat([m.weight[:3], m.weight[4:]]).detach()
assert abs(rest.std().item() - 1) < 0.05 and m.weight[3].abs().sum().item() == 0
add("Embedding", {"num": 500, "dim": 8, "padding_idx": 3}, m,
    {"weight": {"dist": "normal", "mean": 0.0, "std": 1.0, "zero_row": 3}})

for layer, cls, args in (("BatchNorm1d", nn.BatchNorm1d, {"features": 5}), ("BatchNorm2d", nn.BatchNorm2d, {"features": 7}),
                         ("BatchNorm3d", nn.BatchNorm3d, {"features": 2})):
    m = cls(args["features"])
    add(layer, args, m, {k: constant(v) for k, v in m.state_dict().items()})
m = nn.LayerNorm((3, 4))
add("LayerNorm", {"shape": [3, 4], "eps": 1e-5, "affine": True}, m, {k: constant(v) for k, v in m.state_dict().items()})
m = nn.GroupNorm(2, 6)
add("GroupNorm", {"groups": 2, "channels": 6, "eps": 1e-5, "affine": True}, m, {k: constant(v) for k, v in m.state_dict().items()})
# PyTorch 2.4's RMSNorm: weight = ones(normalized_shape).
layers.append({"layer": "RMSNorm", "args": {"shape": [6], "eps": 0.0, "affine": True}, "keys": ["weight"],
               "params": {"weight": {"dist": "constant", "value": 1.0}}})

with open(OUT, "w") as f:
    json.dump({"generator": "testdata/gen/nn_init_layers.py", "torch": torch.__version__, "layers": layers}, f, indent=1)
    f.write("\n")
print("wrote", os.path.relpath(OUT), len(layers), "layers")
