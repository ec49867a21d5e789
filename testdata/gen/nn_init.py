"""Expected values for the nn/initializer tests (nn/initializer/testdata/init.json),
computed with torch.nn.init's own helpers (calculate_gain,
_calculate_fan_in_and_fan_out, _calculate_correct_fan) and the formulas of
its docstrings; the truncated normal's moments from the closed form.

Run: /usr/bin/python3 testdata/gen/nn_init.py
"""
import json
import math
import os

import torch
from torch.nn import init

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "nn", "initializer", "testdata", "init.json")

gains = []
for n in ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
          "conv_transpose3d", "sigmoid", "tanh", "relu", "selu"]:
    gains.append({"name": n, "param": None, "gain": init.calculate_gain(n)})
for p in (None, 0.0, 0.2, 1.0, -0.5):
    gains.append({"name": "leaky_relu", "param": p, "gain": init.calculate_gain("leaky_relu", p)})

fans = []
for shape in ([5, 3], [3, 5], [64, 16, 3, 3], [8, 4, 5], [2, 3, 2, 2, 2], [0, 4], [4, 0, 3]):
    fi, fo = init._calculate_fan_in_and_fan_out(torch.empty(shape))
    fans.append({"shape": shape, "fan_in": fi, "fan_out": fo})

cases = []
W = [64, 16, 3, 3]


def t(shape):
    return torch.empty(shape)


cases.append({"fn": "uniform", "shape": [4000], "lo": -0.3, "hi": 0.7, "dist": "uniform", "a": -0.3, "b": 0.7})
cases.append({"fn": "normal", "shape": [4000], "mean": 0.5, "std": 2.0, "dist": "normal", "m": 0.5, "s": 2.0})
for gain in (1.0, 2.5):
    for shape in ([200, 100], W):
        fi, fo = init._calculate_fan_in_and_fan_out(t(shape))
        b = gain * math.sqrt(6.0 / (fi + fo))
        cases.append({"fn": "xavier_uniform", "shape": shape, "gain": gain, "dist": "uniform", "a": -b, "b": b})
        s = gain * math.sqrt(2.0 / (fi + fo))
        cases.append({"fn": "xavier_normal", "shape": shape, "gain": gain, "dist": "normal", "m": 0.0, "s": s})
for a, mode, nl in ((0.0, "fan_in", "leaky_relu"), (math.sqrt(5), "fan_in", "leaky_relu"), (0.0, "fan_out", "relu"),
                    (0.1, "fan_out", "leaky_relu"), (0.0, "fan_in", "tanh"), (0.0, "fan_in", "selu"), (0.0, "fan_out", "linear")):
    for shape in ([200, 100], W):
        fan = init._calculate_correct_fan(t(shape), mode)
        std = init.calculate_gain(nl, a) / math.sqrt(fan)
        b = math.sqrt(3.0) * std
        common = {"shape": shape, "a_param": a, "mode": mode, "nonlinearity": nl}
        cases.append({"fn": "kaiming_uniform", **common, "dist": "uniform", "a": -b, "b": b})
        cases.append({"fn": "kaiming_normal", **common, "dist": "normal", "m": 0.0, "s": std})


def trunc_moments(m, s, a, b):
    al, be = (a - m) / s, (b - m) / s
    phi = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    Phi = lambda x: (1 + math.erf(x / math.sqrt(2))) / 2
    z = Phi(be) - Phi(al)
    mean = m + s * (phi(al) - phi(be)) / z
    var = s * s * (1 + (al * phi(al) - be * phi(be)) / z - ((phi(al) - phi(be)) / z) ** 2)
    return mean, var


for m, s, a, b in ((0.0, 1.0, -2.0, 2.0), (0.0, 0.02, -0.04, 0.04), (1.0, 2.0, 0.5, 6.0), (0.0, 1.0, 3.0, 3.5)):
    mean, var = trunc_moments(m, s, a, b)
    cases.append({"fn": "trunc_normal", "shape": [5000], "mean": m, "std": s, "lo": a, "hi": b,
                  "dist": "trunc", "m": mean, "var": var, "a": a, "b": b})

doc = {"generator": "testdata/gen/nn_init.py", "torch": torch.__version__, "gains": gains, "fans": fans, "cases": cases}
os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    json.dump(doc, f, indent=1)
    f.write("\n")
print("wrote", os.path.relpath(OUT), len(cases), "cases")
