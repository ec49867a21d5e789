#!/usr/bin/python3
"""Writes ../golden.json: PyTorch 1.13's repr() of varied tensors, with their
data, for package tensorfmt's tests.

Run from this directory with Debian's python3-torch:  /usr/bin/python3 make_golden.py

Each case holds the shape, the element kind (float, int or bool), the dtype
name, the flat row-major data (base64 of little-endian float64, int64 or
uint8), the autograd and device suffixes, any print options that differ from
the defaults, and the expected text.

PyTorch on this machine has no GPU, so the cases with a device are composed
with the same private helpers that Tensor.__repr__ calls
(torch._tensor_str._tensor_str and _add_suffixes). compose() below is checked
against repr() on every other case before it is trusted with those.
"""

import base64
import json
import math
import os

import numpy as np
import torch
from torch._tensor_str import _add_suffixes, _tensor_str

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DTYPES = (torch.float32, torch.int64, torch.bool)


def kind_of(t):
    if t.dtype is torch.bool:
        return "bool"
    if t.dtype.is_floating_point:
        return "float"
    return "int"


def encode(t):
    flat = t.detach().reshape(-1)
    k = kind_of(t)
    if k == "float":
        arr = flat.double().numpy().astype("<f8")
    elif k == "int":
        arr = flat.long().numpy().astype("<i8")
    else:
        arr = flat.numpy().astype(np.uint8)
    return base64.b64encode(arr.tobytes()).decode()


def compose(t, device=None, grad_fn=None, requires_grad=False):
    """The path of torch._tensor_str._str_intern for a dense strided tensor."""
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    if device is not None:
        suffixes.append("device='" + device + "'")
    if t.numel() == 0:
        if t.dim() != 1:
            suffixes.append("size=" + str(tuple(t.shape)))
        if t.dtype != torch.get_default_dtype():
            suffixes.append("dtype=" + str(t.dtype))
        body = "[]"
    else:
        if t.dtype not in DEFAULT_DTYPES:
            suffixes.append("dtype=" + str(t.dtype))
        body = _tensor_str(t.detach(), indent)
    if grad_fn is not None:
        suffixes.append("grad_fn=<" + grad_fn + ">")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent, force_newline=False)


def case(name, t, options=None, device=None):
    if options:
        torch.set_printoptions(**options)
    try:
        grad_fn = type(t.grad_fn).__name__ if t.grad_fn is not None else None
        if device is None:
            want = repr(t)
            mine = compose(t, grad_fn=grad_fn, requires_grad=t.requires_grad)
            assert mine == want, (name, mine, want)
        else:
            want = compose(t, device=device, grad_fn=grad_fn, requires_grad=t.requires_grad)
    finally:
        torch.set_printoptions(profile="default")
    return {
        "name": name,
        "shape": list(t.shape),
        "kind": kind_of(t),
        "dtype": str(t.dtype).removeprefix("torch."),
        "data": encode(t),
        "requires_grad": t.requires_grad,
        "grad_fn": grad_fn or "",
        "device": device or "",
        "options": options or {},
        "want": want,
    }


def cases():
    torch.manual_seed(0)
    f = torch.tensor
    nan, inf = math.nan, math.inf
    out = [
        case("0-d float", f(3.5)),
        case("0-d negative zero", f(-0.0)),
        case("0-d integral float", f(2.0)),
        case("0-d tiny", f(1e-5)),
        case("0-d nan", f(nan)),
        case("0-d -inf", f(-inf)),
        case("0-d float64", f(1 / 3, dtype=torch.float64)),
        case("integral floats", f([1.0, 2.0, 3.0])),
        case("fractions", f([1.5, -2.25, 3.125])),
        case("tenths", f([0.1, 0.2, 0.3])),
        case("ties at four places", f([1.03125, 2.09375, 0.40625, -0.40625])),
        case("sci by small minimum", f([1e-5, 1.0])),
        case("float32 1e-4 is below 1e-4", f([1e-4, 1e-3])),
        case("sci by ratio", f([1.5, 2000.0])),
        case("ratio exactly 1000", f([1.5, 1500.0])),
        case("integral sci by ratio", f([1.0, 1001.0])),
        case("integral ratio 1000", f([1.0, 1000.0])),
        case("integral sci by size", f([123456789.0])),
        case("sci tie", f([1.03125, 1e-5])),
        case("huge and tiny", f([3.4e38, 1e-38, -1.0])),
        case("nan inf integral", f([nan, 1.0, inf, -inf])),
        case("nan inf fractional", f([nan, 1.5, inf])),
        case("only non-finite", f([inf, -inf, nan])),
        case("zeros", torch.zeros(3)),
        case("signed zeros", f([0.0, -0.0])),
        case("zeros 2x3", torch.zeros(2, 3)),
        case("arange 3x4", torch.arange(12.0).reshape(3, 4)),
        case("sevenths 2x3x4", torch.arange(24.0).reshape(2, 3, 4) / 7),
        case("randn 4-d", torch.randn(2, 3, 4, 5)),
        case("randn 1x1x1x1", torch.randn(1, 1, 1, 1)),
        case("randn 100 wraps", torch.randn(100)),
        case("wide rows 4x20", torch.randn(4, 20) * 100),
        case("30x30 not summarised", torch.randn(30, 30)),
        case("summarised vector", torch.randn(1001)),
        case("summarised 40x40", torch.randn(40, 40)),
        case("summarised 10x10x20", torch.randn(10, 10, 20)),
        case("summarised 3x500", torch.randn(3, 500)),
        case("summarised 500x3", torch.randn(500, 3)),
        case("summarised 1001x1", torch.randn(1001, 1)),
        case("summarised 2x3x4x50", torch.randn(2, 3, 4, 50)),
        case("summarised arange is sci", torch.arange(2000.0)),
        case("summarised hides the huge middle", torch.cat([torch.ones(3), torch.full((1000,), 1e12), torch.ones(3)])),
        case("large magnitudes", torch.randn(5) * 1e10),
        case("small magnitudes", torch.randn(5) * 1e-10),
        case("mixed signs 3x3", torch.randn(3, 3) * 10),
        case("float64", f([1.5, 2.0], dtype=torch.float64)),
        case("float64 small", torch.randn(3, dtype=torch.float64) * 1e-3),
        case("float64 integral", f([1.0, -7.0], dtype=torch.float64)),
        case("float16", f([1.5, 65504.0, 6e-5, -0.1], dtype=torch.float16)),
        case("bfloat16", torch.randn(2, 3).bfloat16()),
        case("int64", f([1, -2, 300])),
        case("0-d int64", f(5)),
        case("int64 2x2", f([[1, 2], [3, 4]])),
        case("int64 extremes", f([2**62 + 1, -(2**63), 2**63 - 1])),
        case("int64 summarised", torch.arange(2000)),
        case("int64 wraps", torch.arange(-40, 40) * 1000),
        case("int32", f([1, 2, 3], dtype=torch.int32)),
        case("uint8", f([0, 255, 7], dtype=torch.uint8)),
        case("int8 2x2", f([[-128, 127], [0, -1]], dtype=torch.int8)),
        case("int16 0-d", f(-300, dtype=torch.int16)),
        case("bool", f([True, False, True])),
        case("0-d bool", f(True)),
        case("bool 3x3", torch.rand(3, 3) > 0.5),
        case("bool summarised", torch.zeros(1200, dtype=torch.bool)),
        case("empty", f([])),
        case("empty 0x3", torch.zeros(0, 3)),
        case("empty 2x0x4", torch.zeros(2, 0, 4)),
        case("empty int64", torch.zeros(0, dtype=torch.int64)),
        case("empty float64 0x2", torch.zeros(0, 2, dtype=torch.float64)),
        case("empty bool", torch.zeros(0, dtype=torch.bool)),
    ]
    x = torch.randn(3, requires_grad=True)
    w = torch.randn(8, dtype=torch.float64, requires_grad=True)
    out += [
        case("requires grad", x),
        case("grad_fn add", x + 1),
        case("grad_fn mul 2-d", torch.randn(2, 3, requires_grad=True) * 2),
        case("grad_fn sum 0-d", x.sum()),
        case("float64 requires grad wraps suffix", w),
        case("float64 grad_fn wraps suffix", w * 3),
        case("2-d suffix after last line", torch.randn(3, 6, dtype=torch.float64, requires_grad=True)),
        case("empty requires grad", torch.zeros(0, 3, requires_grad=True)),
        case("device", torch.randn(3), device="cuda:0"),
        case("device float64 grad", torch.randn(2, 2, dtype=torch.float64, requires_grad=True) + 1, device="cuda:0"),
        case("device int64 empty", torch.zeros(0, dtype=torch.int64), device="cuda:1"),
        case("device long line", torch.randn(9) * 1e-3, device="cuda:0"),
        case("precision 2", torch.randn(4), options={"precision": 2}),
        case("precision 6 sci", f([1e-7, 1.0]), options={"precision": 6}),
        case("sci_mode on", f([1.5, 2.5]), options={"sci_mode": True}),
        case("sci_mode on integral", f([1.0, 20.0]), options={"sci_mode": True}),
        case("sci_mode on only zeros", f([0.0, 0.0]), options={"sci_mode": True}),
        case("sci_mode off", f([1e-5, 1.0]), options={"sci_mode": False}),
        case("sci_mode off integral big", f([1e10, 1.0]), options={"sci_mode": False}),
        case("linewidth 40", torch.randn(20), options={"linewidth": 40}),
        case("linewidth 10", torch.randn(2, 3), options={"linewidth": 10}),
        case("threshold 10 edgeitems 2", torch.arange(30.0).reshape(5, 6), options={"threshold": 10, "edgeitems": 2}),
        case("edgeitems 1 3-d", torch.randn(4, 4, 4) * 5, options={"threshold": 20, "edgeitems": 1}),
        case("one element", f([5.0])),
        case("5-d", torch.randn(2, 1, 2, 1, 2)),
        case("bool 4-d", torch.rand(2, 2, 1, 3) > 0.3),
        case("int64 wide rows", torch.randint(-10**9, 10**9, (3, 12))),
        case("int8 summarised", torch.randint(-100, 100, (1500,), dtype=torch.int8)),
        case("float64 summarised", torch.randn(3000, dtype=torch.float64)),
        case("rounding 0.00015 float32", f([0.00015, 1.0])),
        case("rounding 0.00015 float64", f([0.00015, 1.0], dtype=torch.float64)),
        case("fixed rounding float32", f([0.00015, 0.00025, 0.1])),
        case("fixed rounding float64", f([0.00015, 0.00025, 0.1], dtype=torch.float64)),
        case("wide fixed", f([99999.5, 100.25])),
        case("integral exactly 1e8", f([1e8, 3.0e5])),
        case("integral negative", f([-1.0, 5.0, -30.0])),
        case("negative zero among others", f([-0.0, 1.5])),
        case("half-integers ratio", f([0.5, 400.5])),
    ]
    return out


def main():
    data = cases()
    with open(os.path.join(HERE, "..", "golden.json"), "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    print(len(data), "cases")


if __name__ == "__main__":
    main()
