"""Fixtures for MaxPool1d/2d (with indices), AvgPool1d/2d and
AdaptiveAvgPool1d/2d (nn/testdata/pool.json).

Run: /usr/bin/python3 testdata/gen/nn_pool.py
"""
import torch
from torch import nn

from nn_fixture import NNFixture, det

fx = NNFixture("pool")
s = [0]


def x(*shape, dtype=torch.float32):
    s[0] += 1
    return det(*shape, seed=s[0], lo=-2.0, hi=2.0, dtype=dtype)


def lst(v):
    return list(v) if isinstance(v, tuple) else [v]


def pool(name, layer, m, inp, kernel, dtype=torch.float32, indices=False, **kw):
    args = {"kernel": lst(kernel)}
    for k, v in kw.items():
        args[k] = v if isinstance(v, bool) or k == "divisor_override" else lst(v)
    if dtype == torch.float64:
        args["dtype"] = "float64"
    if indices:
        args["indices"] = True
        m.return_indices = True
        fx.case(name, layer, m, [x(*inp, dtype=dtype)], args, multi=True)
    else:
        fx.case(name, layer, m, [x(*inp, dtype=dtype)], args)


def mp2(name, inp, kernel, **kw):
    pool(name, "MaxPool2d", nn.MaxPool2d(kernel, **kw), inp, kernel, **kw)


mp2("maxpool2d", (2, 3, 6, 6), 2)
mp2("maxpool2d_stride_pad_ceil", (2, 2, 7, 6), 3, stride=2, padding=1, ceil_mode=True)
mp2("maxpool2d_rect_dilation", (1, 2, 8, 7), (2, 3), stride=(2, 1), dilation=(2, 1))
mp2("maxpool2d_unbatched", (2, 5, 5), 2, stride=1)
pool("maxpool2d_indices", "MaxPool2d", nn.MaxPool2d(3, stride=2, padding=1), (2, 2, 5, 6), 3, indices=True, stride=2, padding=1)
pool("maxpool1d", "MaxPool1d", nn.MaxPool1d(3, stride=2), (2, 3, 9), 3, stride=2)
pool("maxpool1d_indices", "MaxPool1d", nn.MaxPool1d(2, padding=1, dilation=2), (2, 2, 8), 2, indices=True, padding=1, dilation=2)
pool("maxpool1d_f64", "MaxPool1d", nn.MaxPool1d(2), (1, 2, 6), 2, dtype=torch.float64)

pool("avgpool2d", "AvgPool2d", nn.AvgPool2d(2), (2, 3, 6, 6), 2)
pool("avgpool2d_pad_exclude", "AvgPool2d", nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
     (2, 2, 7, 6), 3, stride=2, padding=1, exclude_pad=True)
pool("avgpool2d_ceil", "AvgPool2d", nn.AvgPool2d((3, 2), stride=2, padding=1, ceil_mode=True),
     (1, 2, 6, 5), (3, 2), stride=2, padding=1, ceil_mode=True)
pool("avgpool2d_divisor", "AvgPool2d", nn.AvgPool2d(2, divisor_override=3), (1, 2, 4, 4), 2, divisor_override=3)
pool("avgpool1d", "AvgPool1d", nn.AvgPool1d(3, stride=2, padding=1), (2, 2, 9), 3, stride=2, padding=1)
pool("avgpool1d_f64", "AvgPool1d", nn.AvgPool1d(2), (1, 3, 6), 2, dtype=torch.float64)

fx.case("adaptive2d", "AdaptiveAvgPool2d", nn.AdaptiveAvgPool2d((3, 2)), [x(2, 3, 7, 5)], {"h": 3, "w": 2})
fx.case("adaptive2d_square", "AdaptiveAvgPool2d", nn.AdaptiveAvgPool2d(1), [x(2, 3, 4, 4)], {"h": 1, "w": 1})
fx.case("adaptive2d_none", "AdaptiveAvgPool2d", nn.AdaptiveAvgPool2d((None, 2)), [x(1, 2, 3, 5)], {"h": -1, "w": 2})
fx.case("adaptive2d_upsample", "AdaptiveAvgPool2d", nn.AdaptiveAvgPool2d((5, 4)), [x(2, 3, 3)], {"h": 5, "w": 4})
fx.case("adaptive1d", "AdaptiveAvgPool1d", nn.AdaptiveAvgPool1d(3), [x(2, 2, 7)], {"out": 3})
fx.write()
