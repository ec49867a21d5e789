"""Shared helpers for writing PyTorch golden fixtures (testdata/golden/*.json).

Run each generator with Debian's Python, which sees python3-torch:

    /usr/bin/python3 testdata/gen/<family>.py

A fixture file holds {"generator", "torch", "cases": [...]}; each case is
    name, op, args            the op as the Go test registry knows it
    inputs                    [{shape, dtype, data}], data flattened row-major
    output | outputs          the result(s) PyTorch computed
    grad_output, grads        d(sum(output * grad_output))/d input (null where
                              the input gets no gradient)
    rtol, atol                tolerances (optional)
    noncontiguous             feed inputs through non-contiguous layouts
NaN and infinities are written as the strings "nan", "inf", "-inf".
"""
import json
import math
import os
import sys

import torch

torch.manual_seed(0)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "..", "golden")

DTYPES = {
    torch.float32: "float32", torch.float64: "float64", torch.bfloat16: "bfloat16",
    torch.float16: "float16", torch.int64: "int64", torch.int32: "int32",
    torch.uint8: "uint8", torch.bool: "bool",
}


def _num(v):
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def _args(v):
    """Make op arguments JSON-safe: non-finite floats become strings."""
    if isinstance(v, dict):
        return {k: _args(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_args(x) for x in v]
    if isinstance(v, float) and not math.isfinite(v):
        return _num(v)
    return v


def enc(t):
    """Encode a tensor as {shape, dtype, data}."""
    t = t.detach()
    data = t.to(torch.float64).reshape(-1).tolist() if t.dtype != torch.bool else t.reshape(-1).tolist()
    return {"shape": list(t.shape), "dtype": DTYPES[t.dtype], "data": [_num(v) for v in data]}


class Fixture:
    """Collects cases and writes them to testdata/golden/<name>.json."""

    def __init__(self, name):
        self.name = name
        self.cases = []

    def case(self, name, op, inputs, fn, args=None, grad=True, grad_inputs=None,
             rtol=None, atol=None, noncontiguous=False, multi=False):
        """Run fn(*inputs) in PyTorch and record it.

        inputs: tensors (float ones get gradients when grad is true, unless
        grad_inputs lists the indices that should). fn returns a tensor, or a
        tuple when multi is set (the gradient is taken of the first result).
        """
        ins = []
        for i, x in enumerate(inputs):
            x = x.detach().clone()
            want = grad and x.is_floating_point() and (grad_inputs is None or i in grad_inputs)
            ins.append(x.requires_grad_(want))
        res = fn(*ins)
        outs = list(res) if multi else [res]
        c = {"name": name, "op": op, "args": _args(args or {}), "inputs": [enc(x) for x in ins]}
        if multi:
            c["outputs"] = [enc(o) for o in outs]
        else:
            c["output"] = enc(outs[0])
        out = outs[0]
        if grad and out.requires_grad:
            go = torch.randn(out.shape, dtype=torch.float64).to(out.dtype)
            gs = torch.autograd.grad([out], [x for x in ins if x.requires_grad], [go], allow_unused=True)
            it = iter(gs)
            grads = []
            for x in ins:
                if x.requires_grad:
                    g = next(it)
                    grads.append(enc(g if g is not None else torch.zeros_like(x)))
                else:
                    grads.append(None)
            c["grad_output"] = enc(go)
            c["grads"] = grads
        if rtol is not None:
            c["rtol"] = rtol
        if atol is not None:
            c["atol"] = atol
        if noncontiguous:
            c["noncontiguous"] = True
        self.cases.append(c)
        return res

    def write(self):
        os.makedirs(OUT_DIR, exist_ok=True)
        path = os.path.join(OUT_DIR, self.name + ".json")
        doc = {"generator": "testdata/gen/" + os.path.basename(sys.argv[0]),
               "torch": torch.__version__, "cases": self.cases}
        with open(path + ".tmp", "w") as f:
            json.dump(doc, f, separators=(",", ":"), allow_nan=False)
            f.write("\n")
        os.replace(path + ".tmp", path)
        print("wrote", path, len(self.cases), "cases")


def rnd(*shape, lo=-2.0, hi=2.0, dtype=torch.float32):
    """Uniform values in [lo, hi) with a fixed global seed."""
    return (torch.rand(tuple(shape), dtype=torch.float64) * (hi - lo) + lo).to(dtype)
