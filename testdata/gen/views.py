"""Golden fixtures for the view ops (view.go): reshape, view, flatten,
unflatten, squeeze, unsqueeze, permute, transpose, T, mT, narrow, slice,
select, expand, diagonal, contiguous, clone, and chains of them.

Run: /usr/bin/python3 testdata/gen/views.py
"""
import torch

from golden import Fixture, rnd

fx = Fixture("views")
f64 = torch.float64

# reshape / view (one size may be -1).
for shape, new in [((2, 3, 4), (4, 6)), ((2, 3, 4), (-1,)), ((2, 3, 4), (2, -1, 2)),
                   ((), (1, 1)), ((6,), (1, 6, 1)), ((0, 3), (3, 0)), ((2, 1, 3), (3, 2))]:
    fx.case(f"reshape/{shape}->{new}", "reshape", [rnd(*shape)], lambda x: x.reshape(new), args={"shape": list(new)})
    fx.case(f"view/{shape}->{new}", "view", [rnd(*shape)], lambda x: x.view(new), args={"shape": list(new)})
# Non-contiguous input: reshape copies; a column-major [4, 6] can still be
# viewed as [2, 2, 6] (splitting its first axis).
fx.case("reshape/noncontig", "reshape", [rnd(3, 4)], lambda x: x.reshape(2, 6), args={"shape": [2, 6]}, noncontiguous=True)
fx.case("reshape/noncontig_f64", "reshape", [rnd(3, 4, 5, dtype=f64)], lambda x: x.reshape(-1, 5), args={"shape": [-1, 5]}, noncontiguous=True)
fx.case("view/noncontig_split", "view", [rnd(4, 6)], lambda x: x.view(2, 2, 6), args={"shape": [2, 2, 6]}, noncontiguous=True)
fx.case("reshape/int64", "reshape", [torch.arange(12).reshape(3, 4)], lambda x: x.reshape(4, 3), args={"shape": [4, 3]})

# flatten / unflatten.
for s, e in [(0, -1), (1, 2), (0, 1), (-2, -1), (1, 1)]:
    fx.case(f"flatten/{s}_{e}", "flatten", [rnd(2, 3, 4)], lambda x: x.flatten(s, e), args={"start": s, "end": e})
fx.case("flatten/scalar", "flatten", [rnd()], lambda x: x.flatten(0, -1), args={"start": 0, "end": -1})
fx.case("flatten/noncontig", "flatten", [rnd(3, 4, 2)], lambda x: x.flatten(0, 1), args={"start": 0, "end": 1}, noncontiguous=True)
for axis, sizes in [(1, (3, 4)), (1, (-1, 2)), (-1, (2, 2, 3)), (0, (1, 2))]:
    fx.case(f"unflatten/{axis}_{sizes}", "unflatten", [rnd(2, 12)], lambda x: x.unflatten(axis, sizes), args={"axis": axis, "sizes": list(sizes)})

# squeeze / unsqueeze (torch 1.13 squeezes one axis at a time).
fx.case("squeeze/all", "squeeze", [rnd(1, 3, 1, 2)], lambda x: x.squeeze(), args={"axes": []})
for axes in [[0], [-2], [1], [0, 2], [-4, -2, 3]]:
    def sq(x, axes=axes):
        nd = x.dim()
        for a in sorted([a % nd for a in axes], reverse=True):
            x = x.squeeze(a)
        return x
    fx.case(f"squeeze/{axes}", "squeeze", [rnd(1, 3, 1, 2)], sq, args={"axes": axes})
fx.case("squeeze/scalar", "squeeze", [rnd()], lambda x: x.squeeze(0), args={"axes": [0]})
fx.case("squeeze/noncontig", "squeeze", [rnd(3, 1, 4)], lambda x: x.squeeze(1), args={"axes": [1]}, noncontiguous=True)
for axis in [0, 2, -1, -3, 1]:
    fx.case(f"unsqueeze/{axis}", "unsqueeze", [rnd(2, 3)], lambda x: x.unsqueeze(axis), args={"axis": axis})
fx.case("unsqueeze/scalar", "unsqueeze", [rnd()], lambda x: x.unsqueeze(0), args={"axis": 0})
fx.case("unsqueeze/noncontig", "unsqueeze", [rnd(3, 4)], lambda x: x.unsqueeze(1), args={"axis": 1}, noncontiguous=True)

# permute / transpose / T / mT.
for dims in [(2, 0, 1), (-1, 0, 1), (0, 1, 2), (1, 2, 0)]:
    fx.case(f"permute/{dims}", "permute", [rnd(2, 3, 4)], lambda x: x.permute(dims), args={"dims": list(dims)})
fx.case("permute/noncontig_f64", "permute", [rnd(2, 3, 4, dtype=f64)], lambda x: x.permute(1, 2, 0), args={"dims": [1, 2, 0]}, noncontiguous=True)
for a, b in [(0, 2), (-1, -2), (1, 1), (0, -1)]:
    fx.case(f"transpose/{a}_{b}", "transpose", [rnd(2, 3, 4)], lambda x: x.transpose(a, b), args={"a": a, "b": b})
fx.case("transpose/scalar", "transpose", [rnd()], lambda x: x.transpose(0, -1), args={"a": 0, "b": -1})
fx.case("t/2d", "t", [rnd(2, 3)], lambda x: x.t(), args={})
fx.case("t/1d", "t", [rnd(3)], lambda x: x.t(), args={})
fx.case("t/noncontig", "t", [rnd(3, 4)], lambda x: x.t(), args={}, noncontiguous=True)
fx.case("mT/3d", "mT", [rnd(2, 3, 4)], lambda x: x.mT, args={})
fx.case("mT/2d_noncontig", "mT", [rnd(3, 4)], lambda x: x.mT, args={}, noncontiguous=True)

# narrow / slice / select.
for axis, start, length in [(0, 1, 3), (-1, -3, 2), (0, 5, 0), (1, 0, 4)]:
    fx.case(f"narrow/{axis}_{start}_{length}", "narrow", [rnd(5, 4)], lambda x: x.narrow(axis, start, length),
            args={"axis": axis, "start": start, "length": length})
fx.case("narrow/noncontig", "narrow", [rnd(5, 4)], lambda x: x.narrow(1, 1, 2), args={"axis": 1, "start": 1, "length": 2}, noncontiguous=True)
BIG = 1 << 40
for start, end, step in [(1, 8, 2), (-7, -1, 3), (-100, 100, 1), (5, 2, 1), (0, 10, 4), (12, 20, 1), (-3, BIG, 1), (0, BIG, 3)]:
    fx.case(f"slice/{start}_{end}_{step}", "slice", [rnd(10, 3)], lambda x: x[start:end:step],
            args={"axis": 0, "start": start, "end": end, "step": step})
fx.case("slice/axis1", "slice", [rnd(3, 7)], lambda x: x[:, 1::2], args={"axis": 1, "start": 1, "end": BIG, "step": 2})
fx.case("slice/neg_axis_noncontig", "slice", [rnd(4, 6)], lambda x: x[:, -5:-1:2], args={"axis": -1, "start": -5, "end": -1, "step": 2}, noncontiguous=True)
fx.case("slice/f64_3d", "slice", [rnd(3, 5, 2, dtype=f64)], lambda x: x[:, 4:0:1], args={"axis": 1, "start": 4, "end": 0, "step": 1})
for axis, i in [(0, 1), (-1, -1), (1, 2), (0, -3)]:
    fx.case(f"select/{axis}_{i}", "select", [rnd(3, 4)], lambda x: x.select(axis, i), args={"axis": axis, "i": i})
fx.case("select/1d", "select", [rnd(4)], lambda x: x[2], args={"axis": 0, "i": 2})
fx.case("select/noncontig", "select", [rnd(3, 4, 2)], lambda x: x.select(1, 2), args={"axis": 1, "i": 2}, noncontiguous=True)

# expand / broadcast_to / expand_as.
for shape, new in [((3, 1), (3, 4)), ((3, 1), (2, 3, 4)), ((3, 1), (-1, 4)), ((1,), (0,)), ((), (2, 3)), ((2, 3), (2, 3)), ((1, 3), (2, 1, 4, -1))]:
    fx.case(f"expand/{shape}->{new}", "expand", [rnd(*shape)], lambda x: x.expand(new), args={"shape": list(new)})
fx.case("expand/noncontig", "expand", [rnd(3, 1, 2)], lambda x: x.expand(2, 3, 5, 2), args={"shape": [2, 3, 5, 2]}, noncontiguous=True)
fx.case("broadcast_to", "broadcast_to", [rnd(4, 1)], lambda x: torch.broadcast_to(x, (2, 4, 3)), args={"shape": [2, 4, 3]})
fx.case("expand_as", "expand_as", [rnd(1, 3), rnd(2, 4, 3)], lambda x, y: x.expand_as(y), grad_inputs=[0])

# diagonal.
for off in [0, 1, -2, 10, -10]:
    fx.case(f"diagonal/2d_{off}", "diagonal", [rnd(4, 5)], lambda x: x.diagonal(off, 0, 1), args={"offset": off, "a": 0, "b": 1})
for off, a, b in [(0, 0, 2), (1, 2, 0), (-1, -1, -2), (0, 1, 2)]:
    fx.case(f"diagonal/3d_{off}_{a}_{b}", "diagonal", [rnd(2, 3, 4)], lambda x: x.diagonal(off, a, b), args={"offset": off, "a": a, "b": b})
fx.case("diagonal/noncontig_f64", "diagonal", [rnd(3, 4, 3, dtype=f64)], lambda x: x.diagonal(1, 0, 2), args={"offset": 1, "a": 0, "b": 2}, noncontiguous=True)

# contiguous / clone.
fx.case("contiguous/noncontig", "contiguous", [rnd(3, 4)], lambda x: x.contiguous(), args={}, noncontiguous=True)
fx.case("contiguous/contig", "contiguous", [rnd(3, 4)], lambda x: x.contiguous(), args={})
fx.case("clone/noncontig", "clone", [rnd(2, 3, 4)], lambda x: x.clone(), args={}, noncontiguous=True)
fx.case("clone/int64", "clone", [torch.arange(6).reshape(2, 3)], lambda x: x.clone(), args={})

# Chains of views, mostly on non-contiguous inputs (the Go test builds the
# same chains by name).
chains = {
    # transpose, slice with a step, unsqueeze, expand, then reshape (copies).
    "a": lambda x: x.transpose(0, 1)[1::2].unsqueeze(1).expand(-1, 3, -1, -1).reshape(-1),
    # diagonal of a permuted tensor, then narrow and a second transpose.
    "b": lambda x: x.permute(2, 0, 1).diagonal(0, 1, 2).narrow(1, 1, 2).t(),
    # select, flatten/unflatten round trip, negative-step-free slicing.
    "c": lambda x: x.select(2, 1).flatten(0, 1).unflatten(0, (2, -1))[:, ::2],
    # view after a transpose-of-transpose (viewable), mT and squeeze.
    "d": lambda x: x.transpose(0, 2).transpose(0, 2).reshape(2, 3, 2, 4).mT.unsqueeze(0).squeeze(0)[..., 1],
}
for name, fn in chains.items():
    fx.case(f"chain/{name}", "view_chain", [rnd(4, 3, 4)], fn, args={"chain": name}, noncontiguous=True)
    fx.case(f"chain/{name}_contig_f64", "view_chain", [rnd(4, 3, 4, dtype=f64)], fn, args={"chain": name})
fx.write()
