"""Shared helpers for the nn layer fixtures (nn/testdata/<family>.json).

Each nn_<family>.py script builds torch.nn layers, gives them deterministic
weights, runs fixed inputs and records, per case:

    name, layer, args        the layer as the Go test registry builds it
    train                    the module's mode during the forward pass
    state                    state_dict() before the forward pass (what the
                             Go test loads with nn.LoadStateDict, strict)
    inputs                   [{shape, dtype, data}]
    output, extra            the first result and any further ones
                             (MaxPool's indices)
    grad_output, grads       d(sum(output * grad_output)) with respect to
                             the inputs ("input0", ...) and to every
                             parameter (by state-dict key)
    state_after              state_dict() after the forward pass (running
                             statistics, renormalised embeddings)
    atol, grad_atol          tolerances, when not the defaults

Run with Debian's Python (torch 1.13):  /usr/bin/python3 testdata/gen/nn_<family>.py
Tensor encoding and non-finite values as in golden.py.
"""
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from golden import _args  # noqa: E402
from golden import enc as _enc  # noqa: E402  (shared float encoding)

OUT_DIR = os.path.join(HERE, "..", "..", "nn", "testdata")


def _short32(v):
    """A float32 value as the shortest decimal that reads back to it."""
    if isinstance(v, str):  # "nan", "inf", "-inf"
        return v
    return float(repr(np.float32(v)))


def enc(t):
    """golden.enc, with float32 values written in their shortest form
    (about half the size; they read back to the same float32)."""
    e = _enc(t)
    if t.dtype == torch.float32:
        e["data"] = [_short32(v) for v in e["data"]]
    return e


def det(*shape, seed, lo=-1.0, hi=1.0, dtype=torch.float32):
    """Deterministic uniform values in [lo, hi) from their own seed."""
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(shape, generator=g, dtype=torch.float64) * (hi - lo) + lo).to(dtype)


def fill(module, seed, scale=1.0):
    """Give every floating-point parameter and buffer deterministic values
    (running variances stay positive)."""
    with torch.no_grad():
        for i, (k, v) in enumerate(sorted(module.state_dict().items())):
            if not v.is_floating_point():
                continue
            if k.endswith("running_var"):
                v.copy_(det(*v.shape, seed=seed + i, lo=0.5, hi=1.5, dtype=v.dtype))
            else:
                v.copy_(det(*v.shape, seed=seed + i, lo=-scale, hi=scale, dtype=v.dtype))
    return module


class NNFixture:
    """Collects layer cases and writes nn/testdata/<name>.json."""

    def __init__(self, name):
        self.name = name
        self.cases = []
        self.seed = 1000

    def case(self, name, layer, module, inputs, args=None, train=True, grad_inputs=None,
             forward=None, multi=False, atol=None, grad_atol=None):
        """Run forward(module, *inputs) (default module(*inputs)) and record it.

        grad_inputs lists the inputs that get gradients (default: every
        floating-point input). multi: the forward returns a tuple; the
        gradient is taken of the first result.
        """
        state = {k: enc(v) for k, v in module.state_dict().items()}
        module.train(train)
        ins = []
        for i, x in enumerate(inputs):
            x = x.detach().clone()
            want = x.is_floating_point() and (grad_inputs is None or i in grad_inputs)
            ins.append(x.requires_grad_(want))
        res = forward(module, *ins) if forward else module(*ins)
        outs = list(res) if multi else [res]
        out = outs[0]
        c = {"name": name, "layer": layer, "args": _args(args or {}), "train": train,
             "state": state, "inputs": [enc(x) for x in ins], "output": enc(out)}
        if multi:
            c["extra"] = [enc(o) for o in outs[1:]]
        params = [(k, p) for k, p in module.named_parameters() if p.requires_grad]
        wrt = [(f"input{i}", x) for i, x in enumerate(ins) if x.requires_grad] + params
        if out.requires_grad and wrt:
            self.seed += 1
            g = torch.Generator().manual_seed(self.seed)
            go = torch.randn(out.shape, generator=g, dtype=torch.float64).to(out.dtype)
            gs = torch.autograd.grad([out], [t for _, t in wrt], [go], allow_unused=True)
            c["grad_output"] = enc(go)
            c["grads"] = {k: enc(gr if gr is not None else torch.zeros_like(t))
                          for (k, t), gr in zip(wrt, gs)}
        c["state_after"] = {k: enc(v) for k, v in module.state_dict().items()}
        if atol is not None:
            c["atol"] = atol
        if grad_atol is not None:
            c["grad_atol"] = grad_atol
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
        print("wrote", os.path.relpath(path), len(self.cases), "cases,", os.path.getsize(path), "bytes")
