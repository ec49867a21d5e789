"""Fixtures for Conv1d, Conv2d, ConvTranspose1d and ConvTranspose2d
(nn/testdata/conv.json).

Run: /usr/bin/python3 testdata/gen/nn_conv.py
"""
import torch
from torch import nn

from nn_fixture import NNFixture, det, fill

fx = NNFixture("conv")
seed = [0]


def nxt():
    seed[0] += 1
    return seed[0]


def conv(name, layer, cls, inp, in_c, out_c, k, dtype=torch.float32, output_size=None, **kw):
    m = fill(cls(in_c, out_c, k, **kw).to(dtype), 100 * nxt(), scale=0.5)
    args = {"in": in_c, "out": out_c, "kernel": list(k) if isinstance(k, tuple) else [k]}
    for key, v in kw.items():
        if key == "padding" and isinstance(v, str):
            args["padding_preset"] = v
        elif key == "bias":
            args["bias"] = v
        elif key in ("padding_mode", "groups"):
            args[key] = v
        else:
            args[key] = list(v) if isinstance(v, tuple) else [v] if isinstance(v, int) else v
    if dtype == torch.float64:
        args["dtype"] = "float64"
    x = det(*inp, seed=nxt(), dtype=dtype)
    if output_size is not None:
        args["output_size"] = output_size
        fx.case(name, layer, m, [x], args, forward=lambda mod, t: mod(t, output_size=output_size))
    else:
        fx.case(name, layer, m, [x], args)


C1, C2 = nn.Conv1d, nn.Conv2d
T1, T2 = nn.ConvTranspose1d, nn.ConvTranspose2d

conv("conv1d", "Conv1d", C1, (2, 3, 9), 3, 4, 3)
conv("conv1d_stride_pad_dil", "Conv1d", C1, (2, 2, 11), 2, 3, 3, stride=2, padding=2, dilation=2)
conv("conv1d_groups_nobias", "Conv1d", C1, (2, 4, 7), 4, 6, 2, groups=2, bias=False)
conv("conv1d_same_even", "Conv1d", C1, (1, 2, 8), 2, 3, 4, padding="same")
conv("conv1d_valid", "Conv1d", C1, (1, 2, 8), 2, 3, 3, padding="valid")
conv("conv1d_reflect", "Conv1d", C1, (2, 2, 8), 2, 2, 3, padding=2, padding_mode="reflect")
conv("conv1d_circular_same", "Conv1d", C1, (2, 2, 8), 2, 2, 4, padding="same", padding_mode="circular", dilation=2)
conv("conv1d_unbatched", "Conv1d", C1, (3, 6), 3, 2, 2)

conv("conv2d", "Conv2d", C2, (2, 3, 6, 5), 3, 4, 3)
conv("conv2d_rect", "Conv2d", C2, (2, 2, 7, 6), 2, 3, (2, 3), stride=(2, 1), padding=(1, 0), dilation=(1, 2))
conv("conv2d_depthwise", "Conv2d", C2, (2, 4, 5, 5), 4, 8, 3, groups=4, padding=1)
conv("conv2d_same", "Conv2d", C2, (1, 2, 6, 7), 2, 3, (2, 3), padding="same")
conv("conv2d_same_dilated", "Conv2d", C2, (1, 2, 7, 7), 2, 2, 3, padding="same", dilation=2)
conv("conv2d_valid_nobias", "Conv2d", C2, (2, 2, 5, 5), 2, 3, 3, padding="valid", bias=False)
conv("conv2d_reflect", "Conv2d", C2, (2, 2, 5, 6), 2, 3, 3, padding=1, padding_mode="reflect")
conv("conv2d_replicate", "Conv2d", C2, (1, 2, 5, 5), 2, 2, 3, padding=(2, 1), padding_mode="replicate", stride=2)
conv("conv2d_circular", "Conv2d", C2, (1, 2, 5, 6), 2, 2, 3, padding=1, padding_mode="circular")
conv("conv2d_reflect_same", "Conv2d", C2, (1, 2, 6, 6), 2, 2, 4, padding="same", padding_mode="reflect")
conv("conv2d_unbatched", "Conv2d", C2, (2, 5, 5), 2, 3, 2)
conv("conv2d_f64", "Conv2d", C2, (2, 2, 5, 4), 2, 3, 3, dtype=torch.float64, stride=2, padding=1)

conv("convt1d", "ConvTranspose1d", T1, (2, 3, 5), 3, 2, 3)
conv("convt1d_stride_outpad", "ConvTranspose1d", T1, (2, 2, 4), 2, 4, 3, stride=3, padding=1, output_padding=2, groups=2)
conv("convt2d", "ConvTranspose2d", T2, (2, 3, 4, 3), 3, 2, 3)
conv("convt2d_stride_pad_outpad", "ConvTranspose2d", T2, (2, 2, 3, 4), 2, 3, 3, stride=2, padding=1, output_padding=1)
conv("convt2d_rect_dil_groups", "ConvTranspose2d", T2, (1, 4, 3, 3), 4, 6, (2, 3), stride=(2, 1), dilation=(2, 1), groups=2, bias=False)
conv("convt2d_unbatched", "ConvTranspose2d", T2, (2, 3, 3), 2, 2, 2, stride=2)
conv("convt2d_output_size", "ConvTranspose2d", T2, (1, 2, 3, 3), 2, 2, 3, stride=2, padding=1, output_size=[6, 5])
conv("convt2d_f64", "ConvTranspose2d", T2, (1, 2, 3, 3), 2, 3, 3, dtype=torch.float64, stride=2)
fx.write()
