"""Golden fixtures for the recurrent ops (ops_rnn.go).

Run from the repository root: /usr/bin/python3 testdata/gen/recurrent.py

recurrent_layer is one direction of one layer, computed by torch's own
multi-layer kernels (torch._VF.rnn_tanh / rnn_relu / lstm / gru) with one
layer. The reverse direction is the forward one on the time-flipped
sequence, flipped back. The op's result is out, hN (and cN) flattened and
joined, so the fixture's gradients flow through all of them. Inputs, in
order: weight_ih, weight_hh, [bias_ih, bias_hh,] x, [h0, [c0]].

recurrent_cell uses torch.rnn_tanh_cell / rnn_relu_cell / lstm_cell /
gru_cell; inputs weight_ih, weight_hh, bias_ih, bias_hh, x, h, [c]; LSTM's
result is [h, c] joined on the last axis.
"""
import torch
from torch import _VF

from golden import Fixture, rnd

fx = Fixture("recurrent")
MODES = {"tanh": 0, "relu": 1, "lstm": 2, "gru": 3}
GATES = {"tanh": 1, "relu": 1, "lstm": 4, "gru": 3}


def layer_fn(mode, bias, reverse, nstate):
    def f(*ins):
        ins = list(ins)
        params = ins[:4] if bias else ins[:2]
        rest = ins[4:] if bias else ins[2:]
        x = rest[0]
        B, H = x.shape[1], params[1].shape[1]
        zeros = torch.zeros(B, H, dtype=x.dtype)
        h0 = rest[1] if nstate >= 1 else zeros
        c0 = rest[2] if nstate >= 2 else zeros
        if reverse:
            x = torch.flip(x, [0])
        args = (params, bias, 1, 0.0, False, False, False)
        if mode == "lstm":
            out, h, c = _VF.lstm(x, (h0[None], c0[None]), *args)
        else:
            fn = {"tanh": _VF.rnn_tanh, "relu": _VF.rnn_relu, "gru": _VF.gru}[mode]
            out, h = fn(x, h0[None], *args)
            c = None
        if reverse:
            out = torch.flip(out, [0])
        parts = [out.reshape(-1), h.reshape(-1)]
        if c is not None:
            parts.append(c.reshape(-1))
        return torch.cat(parts)
    return f


def layer_case(name, mode, T, B, I, H, bias=True, reverse=False, state=True, dtype=torch.float32, **kw):
    G = GATES[mode]
    ins = [rnd(G * H, I, lo=-0.6, hi=0.6, dtype=dtype), rnd(G * H, H, lo=-0.6, hi=0.6, dtype=dtype)]
    if bias:
        ins += [rnd(G * H, lo=-0.5, hi=0.5, dtype=dtype), rnd(G * H, lo=-0.5, hi=0.5, dtype=dtype)]
    ins.append(rnd(T, B, I, lo=-1, hi=1, dtype=dtype))
    nstate = 0
    if state:
        ins.append(rnd(B, H, lo=-1, hi=1, dtype=dtype))
        nstate = 1
        if mode == "lstm":
            ins.append(rnd(B, H, lo=-1, hi=1, dtype=dtype))
            nstate = 2
    fx.case(name, "recurrent_layer", ins, layer_fn(mode, bias, reverse, nstate),
            args={"mode": MODES[mode], "bias": bias, "reverse": reverse}, **kw)


for mode in MODES:
    layer_case(f"layer/{mode}/typical", mode, 4, 3, 5, 6)
    layer_case(f"layer/{mode}/reverse", mode, 4, 3, 5, 6, reverse=True)
    layer_case(f"layer/{mode}/no_bias", mode, 3, 2, 3, 4, bias=False)
    layer_case(f"layer/{mode}/zero_state", mode, 3, 2, 3, 4, state=False)
    layer_case(f"layer/{mode}/one_step_batch1", mode, 1, 1, 2, 3)
    layer_case(f"layer/{mode}/f64_reverse", mode, 5, 2, 3, 4, reverse=True, dtype=torch.float64)
    layer_case(f"layer/{mode}/noncontig", mode, 3, 2, 4, 3, noncontiguous=True)
    layer_case(f"layer/{mode}/long", mode, 20, 2, 3, 5, rtol=1e-4, atol=1e-5)
    layer_case(f"layer/{mode}/empty_batch", mode, 3, 0, 2, 4)


def cell_fn(mode):
    def f(wih, whh, bih, bhh, x, h, c=None):
        # The torch.*_cell functions want a batch; nn.*Cell adds one for
        # unbatched inputs, as done here.
        unbatched = x.dim() == 1
        if unbatched:
            x, h, c = x[None], h[None], (c[None] if c is not None else None)
        if mode == "lstm":
            y = torch.cat(torch.lstm_cell(x, (h, c), wih, whh, bih, bhh), -1)
        else:
            fn = {"tanh": torch.rnn_tanh_cell, "relu": torch.rnn_relu_cell, "gru": torch.gru_cell}[mode]
            y = fn(x, h, wih, whh, bih, bhh)
        return y[0] if unbatched else y
    return f


def cell_case(name, mode, batch, I, H, dtype=torch.float32, **kw):
    G = GATES[mode]
    ins = [rnd(G * H, I, lo=-0.6, hi=0.6, dtype=dtype), rnd(G * H, H, lo=-0.6, hi=0.6, dtype=dtype),
           rnd(G * H, lo=-0.5, hi=0.5, dtype=dtype), rnd(G * H, lo=-0.5, hi=0.5, dtype=dtype),
           rnd(*batch, I, lo=-1, hi=1, dtype=dtype), rnd(*batch, H, lo=-1, hi=1, dtype=dtype)]
    if mode == "lstm":
        ins.append(rnd(*batch, H, lo=-1, hi=1, dtype=dtype))
    fx.case(name, "recurrent_cell", ins, cell_fn(mode), args={"mode": MODES[mode]}, **kw)


for mode in MODES:
    cell_case(f"cell/{mode}/batch", mode, [3], 4, 5)
    cell_case(f"cell/{mode}/unbatched", mode, [], 3, 4)
    cell_case(f"cell/{mode}/f64_noncontig", mode, [2], 3, 4, dtype=torch.float64, noncontiguous=True)

# Half precision: Ember computes in float32 and rounds the result.
fx.case("layer/lstm/bfloat16", "recurrent_layer",
        [rnd(8, 3, lo=-0.6, hi=0.6, dtype=torch.bfloat16), rnd(8, 2, lo=-0.6, hi=0.6, dtype=torch.bfloat16),
         rnd(3, 2, 3, lo=-1, hi=1, dtype=torch.bfloat16)],
        lambda wih, whh, x: layer_fn("lstm", False, False, 0)(wih.float(), whh.float(), x.float()).to(torch.bfloat16),
        args={"mode": 2, "bias": False}, grad=False, rtol=1e-2, atol=1e-2)
fx.write()
