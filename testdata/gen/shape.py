"""Golden fixtures for the shape ops (ops_shape.go): cat, stack, split,
split_sizes, chunk, unbind, repeat, tile, flip, roll, tril, triu, pad.

Run: /usr/bin/python3 testdata/gen/shape.py
"""
import torch
import torch.nn.functional as F

from golden import Fixture, rnd

fx = Fixture("shape")
f64 = torch.float64

# cat: every input gets a gradient.
fx.case("cat/axis0", "cat", [rnd(2, 3), rnd(1, 3), rnd(3, 3)], lambda *xs: torch.cat(xs, 0), args={"axis": 0})
fx.case("cat/axis1", "cat", [rnd(2, 3), rnd(2, 1)], lambda *xs: torch.cat(xs, 1), args={"axis": 1})
fx.case("cat/neg_axis_3d", "cat", [rnd(2, 3, 2), rnd(2, 3, 1)], lambda *xs: torch.cat(xs, -1), args={"axis": -1})
fx.case("cat/empty_part", "cat", [rnd(2, 3), rnd(0, 3), rnd(1, 3)], lambda *xs: torch.cat(xs, 0), args={"axis": 0})
fx.case("cat/legacy_empty_1d", "cat", [rnd(2, 3), torch.zeros(0), rnd(1, 3)], lambda *xs: torch.cat(xs, 0), args={"axis": 0})
fx.case("cat/single", "cat", [rnd(2, 3)], lambda *xs: torch.cat(xs, 1), args={"axis": 1})
fx.case("cat/f64_noncontig", "cat", [rnd(3, 2, dtype=f64), rnd(3, 4, dtype=f64)], lambda *xs: torch.cat(xs, 1), args={"axis": 1}, noncontiguous=True)
fx.case("cat/promote", "cat", [rnd(2, 2), rnd(1, 2, dtype=f64)], lambda *xs: torch.cat(xs, 0), args={"axis": 0})
fx.case("cat/int64", "cat", [torch.arange(4).reshape(2, 2), torch.arange(2).reshape(2, 1)], lambda *xs: torch.cat(xs, 1), args={"axis": 1})
fx.case("cat/bool", "cat", [torch.tensor([True, False]), torch.tensor([False])], lambda *xs: torch.cat(xs, 0), args={"axis": 0})

# stack.
for axis in [0, 1, 2, -1, -3]:
    fx.case(f"stack/{axis}", "stack", [rnd(2, 3), rnd(2, 3), rnd(2, 3)], lambda *xs: torch.stack(xs, axis), args={"axis": axis})
fx.case("stack/scalars", "stack", [rnd(), rnd()], lambda *xs: torch.stack(xs, 0), args={"axis": 0})
fx.case("stack/noncontig", "stack", [rnd(3, 4), rnd(3, 4)], lambda *xs: torch.stack(xs, 1), args={"axis": 1}, noncontiguous=True)

# split / split_sizes / chunk / unbind return several results; the
# gradient is taken of the first.
for size, axis, shape in [(2, 0, (5, 3)), (3, -1, (2, 7)), (5, 0, (5, 2)), (10, 1, (2, 3)), (1, 0, (0, 2))]:
    fx.case(f"split/{size}_{axis}_{shape}", "split", [rnd(*shape)], lambda x: torch.split(x, size, axis), args={"size": size, "axis": axis}, multi=True)
for sizes, axis in [([1, 3, 1], 0), ([0, 5], 0), ([2, 2], -1)]:
    shape = (5, 4) if axis == 0 else (3, 4)
    fx.case(f"split_sizes/{sizes}_{axis}", "split_sizes", [rnd(*shape)], lambda x: torch.split(x, sizes, axis), args={"sizes": sizes, "axis": axis}, multi=True)
for n, size in [(3, 5), (3, 6), (4, 6), (6, 3), (1, 4), (3, 0)]:
    fx.case(f"chunk/{n}_of_{size}", "chunk", [rnd(size, 2)], lambda x: torch.chunk(x, n, 0), args={"n": n, "axis": 0}, multi=True)
fx.case("chunk/neg_axis", "chunk", [rnd(2, 7)], lambda x: torch.chunk(x, 2, -1), args={"n": 2, "axis": -1}, multi=True)
for axis in [0, 1, -1]:
    fx.case(f"unbind/{axis}", "unbind", [rnd(2, 3, 2)], lambda x: torch.unbind(x, axis), args={"axis": axis}, multi=True)
fx.case("unbind/noncontig", "unbind", [rnd(3, 4)], lambda x: torch.unbind(x, 1), args={"axis": 1}, multi=True, noncontiguous=True)

# repeat / tile.
for reps in [(2, 1), (1, 1), (2, 2, 3), (0, 2), (1, 3)]:
    fx.case(f"repeat/{reps}", "repeat", [rnd(2, 3)], lambda x: x.repeat(*reps), args={"reps": list(reps)})
fx.case("repeat/scalar", "repeat", [rnd()], lambda x: x.repeat(3), args={"reps": [3]})
fx.case("repeat/noncontig_f64", "repeat", [rnd(3, 2, dtype=f64)], lambda x: x.repeat(2, 1, 2), args={"reps": [2, 1, 2]}, noncontiguous=True)
fx.case("repeat/int64", "repeat", [torch.arange(3)], lambda x: x.repeat(2), args={"reps": [2]})
for reps in [(2,), (2, 1, 2), (1, 1)]:
    fx.case(f"tile/{reps}", "tile", [rnd(2, 3)], lambda x: torch.tile(x, reps), args={"reps": list(reps)})

# flip.
for axes in [[0], [0, 2], [-1], [1, 0, 2]]:
    fx.case(f"flip/{axes}", "flip", [rnd(2, 3, 4)], lambda x: torch.flip(x, axes), args={"axes": axes})
fx.case("flip/empty", "flip", [rnd(0, 3)], lambda x: torch.flip(x, [1]), args={"axes": [1]})
fx.case("flip/noncontig", "flip", [rnd(3, 4)], lambda x: torch.flip(x, [1]), args={"axes": [1]}, noncontiguous=True)
fx.case("flip/int64", "flip", [torch.arange(6).reshape(2, 3)], lambda x: torch.flip(x, [0, 1]), args={"axes": [0, 1]})

# roll: without axes the tensor rolls as if flattened; ember's one shift
# applies to each listed axis.
for shift in [2, -3, 13, 0]:
    fx.case(f"roll/flat_{shift}", "roll", [rnd(3, 4)], lambda x: torch.roll(x, shift), args={"shift": shift, "axes": []})
for shift, axes in [(1, [0]), (-1, [1]), (5, [-1]), (2, [0, 1]), (-7, [1, 0])]:
    fx.case(f"roll/{shift}_{axes}", "roll", [rnd(3, 4)], lambda x: torch.roll(x, [shift] * len(axes), axes), args={"shift": shift, "axes": axes})
fx.case("roll/noncontig", "roll", [rnd(3, 4, 2)], lambda x: torch.roll(x, 1, 1), args={"shift": 1, "axes": [1]}, noncontiguous=True)
fx.case("roll/empty", "roll", [rnd(0, 3)], lambda x: torch.roll(x, 1, 0), args={"shift": 1, "axes": [0]})

# tril / triu.
for name, fn in [("tril", torch.tril), ("triu", torch.triu)]:
    for k in [0, 1, -1, 5, -5]:
        fx.case(f"{name}/{k}", name, [rnd(4, 5)], lambda x: fn(x, k), args={"k": k})
    fx.case(f"{name}/batched", name, [rnd(2, 3, 4)], lambda x: fn(x, 1), args={"k": 1})
    fx.case(f"{name}/noncontig_f64", name, [rnd(4, 3, dtype=f64)], lambda x: fn(x, -1), args={"k": -1}, noncontiguous=True)
    fx.case(f"{name}/int64", name, [torch.arange(12).reshape(3, 4)], lambda x: fn(x, 0), args={"k": 0})
    fx.case(f"{name}/empty", name, [rnd(0, 3)], lambda x: fn(x, 0), args={"k": 0})

# pad: (before, after) pairs from the last axis.
pads = [
    ("constant", (2, 3), [(1, 2), (0, 0), (-1, 2), (2, -3), (-1, -1)], 0.0),
    ("constant", (2, 3, 4), [(1, 1, 2, 0), (1, 2, 0, 1, 1, 0), (0, 0, -1, 1)], 1.5),
    ("reflect", (1, 2, 5), [(2, 3), (0, 4), (2, -1)], 0.0),
    ("reflect", (1, 2, 4, 5), [(1, 2, 2, 1), (4, 0, 0, 3)], 0.0),
    ("replicate", (1, 2, 4), [(3, 1), (0, 5)], 0.0),
    ("replicate", (1, 1, 3, 4), [(1, 2, 3, 1)], 0.0),
    ("circular", (1, 2, 5), [(2, 3), (5, 0), (-1, 2)], 0.0),
    ("circular", (1, 1, 3, 4), [(1, 2, 2, 1), (4, 0, 0, 3)], 0.0),
]
for mode, shape, cfgs, value in pads:
    for p in cfgs:
        if mode == "constant":
            fn = lambda x: F.pad(x, p, mode="constant", value=value)
        else:
            fn = lambda x: F.pad(x, p, mode=mode)
        fx.case(f"pad/{mode}_{shape}_{p}", "pad", [rnd(*shape)], fn, args={"pads": list(p), "mode": mode, "value": value})
fx.case("pad/constant_neg_inf", "pad", [rnd(2, 2)], lambda x: F.pad(x, (1, 0), value=float("-inf")),
        args={"pads": [1, 0], "mode": "constant", "value": "-inf"})
fx.case("pad/reflect_noncontig_f64", "pad", [rnd(1, 3, 4, dtype=f64)], lambda x: F.pad(x, (2, 1), mode="reflect"),
        args={"pads": [2, 1], "mode": "reflect", "value": 0.0}, noncontiguous=True)
fx.case("pad/constant_int64", "pad", [torch.arange(6).reshape(2, 3)], lambda x: F.pad(x, (1, 1), value=7),
        args={"pads": [1, 1], "mode": "constant", "value": 7.0})
half = dict(rtol=1e-2, atol=1e-2)
# Half precision: stored as such, computed in float32 where needed.
fx.case("cat/bfloat16", "cat", [rnd(2, 3, dtype=torch.bfloat16), rnd(1, 3, dtype=torch.bfloat16)], lambda *xs: torch.cat(xs, 0), args={"axis": 0}, **half)
fx.case("flip/float16", "flip", [rnd(2, 3, dtype=torch.float16)], lambda x: torch.flip(x, [1]), args={"axes": [1]}, **half)
fx.case("tril/bfloat16", "tril", [rnd(3, 3, dtype=torch.bfloat16)], lambda x: torch.tril(x), args={"k": 0}, **half)
fx.case("pad/constant_float16", "pad", [rnd(2, 3, dtype=torch.float16)], lambda x: F.pad(x, (1, 2), value=0.5),
        args={"pads": [1, 2], "mode": "constant", "value": 0.5}, **half)
fx.write()
