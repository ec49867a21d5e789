"""Golden fixtures for the attention ops (ops_attention.go).

Run from the repository root: /usr/bin/python3 testdata/gen/attention.py

PyTorch 1.13 has no F.scaled_dot_product_attention (it came in 2.0), so
the reference is written out as PyTorch 2 documents it:
softmax(q @ k^T * scale + bias) @ v, where a bool mask keeps the positions
marked True, a float mask is added, and is_causal keeps j <= i. Inputs, in
order: q, k, v (for sdpa), then the mask when args say "mask": true.
"""
import math

import torch

from golden import Fixture, rnd

fx = Fixture("attention")
inf = float("inf")


def weights(q, k, mask=None, causal=False, scale=None):
    L, S = q.size(-2), k.size(-2)
    scale = 1 / math.sqrt(q.size(-1)) if scale is None else scale
    a = q @ k.transpose(-2, -1) * scale
    if causal:
        a = a.masked_fill(~torch.ones(L, S, dtype=torch.bool).tril(), -inf)
    if mask is not None:
        if mask.dtype == torch.bool:
            a = a.masked_fill(~mask, -inf)
        else:
            a = a + mask
    return torch.softmax(a, -1)


def case(name, shapes, mask=None, causal=False, scale=None, op="sdpa", dtype=torch.float32, **kw):
    ins = [rnd(*s, lo=-1, hi=1, dtype=dtype) for s in shapes]
    args = {"causal": causal, "mask": mask is not None}
    if scale is not None:
        args["scale"] = scale
    if mask is not None:
        ins.append(mask)

    def f(*ts):
        m = ts[-1] if mask is not None else None
        if op == "sdpa":
            return weights(ts[0], ts[1], m, causal, scale) @ ts[2]
        return weights(ts[0], ts[1], m, causal, scale)
    fx.case(name, op, ins, f, args=args, **kw)


case("sdpa/3d", [(2, 4, 8), (2, 5, 8), (2, 5, 6)])
case("sdpa/4d_heads", [(2, 3, 4, 4), (2, 3, 4, 4), (2, 3, 4, 4)])
case("sdpa/2d", [(3, 4), (5, 4), (5, 2)])
case("sdpa/scale", [(2, 3, 4), (2, 3, 4), (2, 3, 4)], scale=0.3)
case("sdpa/causal_square", [(2, 5, 4), (2, 5, 4), (2, 5, 3)], causal=True)
case("sdpa/causal_wide", [(1, 3, 4), (1, 6, 4), (1, 6, 4)], causal=True)
case("sdpa/causal_tall", [(1, 6, 4), (1, 3, 4), (1, 3, 4)], causal=True)
keep = torch.tensor([[True, False, True, True, False], [True, True, True, True, True],
                     [False, False, False, True, False], [True, False, False, False, True]])
case("sdpa/bool_mask_2d", [(2, 4, 3), (2, 5, 3), (2, 5, 3)], mask=keep)
keep3 = torch.rand(2, 1, 4, 5) > 0.3
keep3[..., 0] = True  # no row entirely masked
case("sdpa/bool_mask_broadcast", [(2, 3, 4, 6), (2, 3, 5, 6), (2, 3, 5, 6)], mask=keep3)
case("sdpa/float_mask", [(2, 4, 3), (2, 5, 3), (2, 5, 2)], mask=rnd(4, 5))
fm = rnd(2, 1, 5)
fm[0, 0, 2] = -inf
case("sdpa/float_mask_inf_broadcast", [(2, 3, 4), (2, 5, 4), (2, 5, 4)], mask=fm)
case("sdpa/broadcast_batch", [(2, 3, 4, 4), (1, 3, 4, 4), (2, 1, 4, 4)])
case("sdpa/f64_noncontig", [(2, 4, 3), (2, 4, 3), (2, 4, 5)], dtype=torch.float64, noncontiguous=True)
case("sdpa/size1", [(1, 1, 1), (1, 1, 1), (1, 1, 1)])
case("sdpa/empty_queries", [(2, 0, 4), (2, 3, 4), (2, 3, 4)])
masked_row = torch.tensor([[True, True], [False, False]])
case("sdpa/fully_masked_row_nan", [(2, 3), (2, 3), (2, 3)], mask=masked_row, grad=False)
case("sdpa/large_scores", [(1, 3, 4), (1, 3, 4), (1, 3, 4)], scale=40.0)
case("sdpa/bfloat16", [(2, 3, 4), (2, 3, 4), (2, 3, 4)], dtype=torch.bfloat16, grad=False, rtol=2e-2, atol=2e-2)
case("weights/causal", [(2, 4, 3), (2, 4, 3)], causal=True, op="attention_weights")
case("weights/bool_mask", [(2, 4, 3), (2, 5, 3)], mask=keep, op="attention_weights")
case("weights/float_mask_scale", [(3, 2), (4, 2)], mask=rnd(3, 4), scale=2.0, op="attention_weights")
fx.write()
