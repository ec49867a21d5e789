"""Golden fixtures for the indexing ops (ops_index.go, ops_onehot.go, and
where / masked_fill of ops_binary.go): index_select, index_add, gather,
scatter, scatter_add, masked_select, masked_fill, where, nonzero, take,
embedding, one_hot.

Run: /usr/bin/python3 testdata/gen/index.py
"""
import torch
import torch.nn.functional as F

from golden import Fixture, rnd

fx = Fixture("index")
f64 = torch.float64
L = lambda *v: torch.tensor(v, dtype=torch.int64)

# index_select (the index gets no gradient).
for axis, idx, shape in [(0, L(2, 0, 2), (4, 3)), (1, L(1), (4, 3)), (-1, L(0, 2, 1, 0), (2, 3, 3)), (0, L(), (4, 3)),
                         (1, torch.tensor(2), (4, 3))]:
    fx.case(f"index_select/{axis}_{list(idx.shape)}_{shape}", "index_select", [rnd(*shape), idx],
            lambda x, i: torch.index_select(x, axis, i), args={"axis": axis})
fx.case("index_select/int32_index", "index_select", [rnd(4, 3), torch.tensor([3, 1], dtype=torch.int32)],
        lambda x, i: torch.index_select(x, 0, i), args={"axis": 0})
fx.case("index_select/noncontig_f64", "index_select", [rnd(4, 5, dtype=f64), L(4, 0, 4)],
        lambda x, i: torch.index_select(x, 1, i), args={"axis": 1}, noncontiguous=True)
fx.case("index_select/int64_values", "index_select", [torch.arange(12).reshape(3, 4), L(2, 2)],
        lambda x, i: torch.index_select(x, 0, i), args={"axis": 0})

# index_add: repeated indices accumulate.
fx.case("index_add/axis0_repeat", "index_add", [rnd(5, 3), L(0, 2, 0), rnd(3, 3)],
        lambda x, i, s: x.index_add(0, i, s), args={"axis": 0})
fx.case("index_add/axis1", "index_add", [rnd(2, 4), L(3, 1), rnd(2, 2)], lambda x, i, s: x.index_add(1, i, s), args={"axis": 1})
fx.case("index_add/neg_axis_3d", "index_add", [rnd(2, 3, 4), L(1, 1, 0, 3, 1), rnd(2, 3, 5)],
        lambda x, i, s: x.index_add(-1, i, s), args={"axis": -1})
fx.case("index_add/noncontig", "index_add", [rnd(4, 3), L(3, 0), rnd(2, 3)], lambda x, i, s: x.index_add(0, i, s),
        args={"axis": 0}, noncontiguous=True)
fx.case("index_add/empty_index", "index_add", [rnd(3, 2), L(), rnd(0, 2)], lambda x, i, s: x.index_add(0, i, s), args={"axis": 0})

# gather.
fx.case("gather/axis1", "gather", [rnd(3, 4), L(0, 3, 3, 1, 2, 0).reshape(3, 2)], lambda x, i: torch.gather(x, 1, i), args={"axis": 1})
fx.case("gather/axis0_repeat", "gather", [rnd(3, 4), L(2, 2, 0, 1, 0, 0, 0, 2).reshape(2, 4)], lambda x, i: torch.gather(x, 0, i), args={"axis": 0})
fx.case("gather/smaller_index", "gather", [rnd(4, 5), L(4, 0, 1, 3).reshape(2, 2)], lambda x, i: torch.gather(x, 1, i), args={"axis": 1})
fx.case("gather/3d_neg_axis", "gather", [rnd(2, 3, 4), torch.randint(0, 3, (2, 5, 3))], lambda x, i: torch.gather(x, -2, i), args={"axis": -2})
fx.case("gather/noncontig_f64", "gather", [rnd(4, 3, dtype=f64), torch.randint(0, 3, (4, 3))], lambda x, i: torch.gather(x, 1, i),
        args={"axis": 1}, noncontiguous=True)
fx.case("gather/empty", "gather", [rnd(3, 4), torch.zeros(3, 0, dtype=torch.int64)], lambda x, i: torch.gather(x, 1, i), args={"axis": 1})

# scatter (no repeated positions, whose winner PyTorch leaves unspecified)
# and scatter_add (repeats accumulate).
perm_rows = torch.stack([torch.randperm(5)[:3] for _ in range(3)])
fx.case("scatter/axis1", "scatter", [rnd(3, 5), perm_rows, rnd(3, 3)], lambda x, i, s: torch.scatter(x, 1, i, s), args={"axis": 1})
fx.case("scatter/src_larger", "scatter", [rnd(3, 5), perm_rows[:, :2], rnd(4, 4)], lambda x, i, s: torch.scatter(x, 1, i, s), args={"axis": 1}, grad_inputs=[0])
fx.case("scatter/axis0", "scatter", [rnd(4, 2), L(3, 0, 1, 2).reshape(2, 2), rnd(2, 2)], lambda x, i, s: torch.scatter(x, 0, i, s), args={"axis": 0})
fx.case("scatter/noncontig_f64", "scatter", [rnd(3, 5, dtype=f64), perm_rows, rnd(3, 3, dtype=f64)],
        lambda x, i, s: torch.scatter(x, 1, i, s), args={"axis": 1}, noncontiguous=True)
fx.case("scatter/int64", "scatter", [torch.zeros(2, 3, dtype=torch.int64), L(2, 0, 1, 0).reshape(2, 2), L(5, 6, 7, 8).reshape(2, 2)],
        lambda x, i, s: torch.scatter(x, 1, i, s), args={"axis": 1})
fx.case("scatter_add/repeat", "scatter_add", [rnd(3, 4), L(0, 0, 3, 1, 1, 1).reshape(3, 2), rnd(3, 2)],
        lambda x, i, s: torch.scatter_add(x, 1, i, s), args={"axis": 1})
fx.case("scatter_add/axis0_3d", "scatter_add", [rnd(3, 2, 2), torch.randint(0, 3, (4, 2, 2)), rnd(4, 2, 2)],
        lambda x, i, s: torch.scatter_add(x, 0, i, s), args={"axis": 0})
fx.case("scatter_add/src_larger_noncontig", "scatter_add", [rnd(3, 4), torch.randint(0, 4, (2, 3)), rnd(3, 4)],
        lambda x, i, s: torch.scatter_add(x, 1, i, s), args={"axis": 1}, noncontiguous=True, grad_inputs=[0])
fx.case("scatter_add/int64", "scatter_add", [torch.ones(4, dtype=torch.int64), L(0, 3, 0), L(5, 6, 7)],
        lambda x, i, s: torch.scatter_add(x, 0, i, s), args={"axis": 0})

# masked_select with broadcasting between input and mask.
B = lambda *v: torch.tensor(v, dtype=torch.bool)
fx.case("masked_select/same_shape", "masked_select", [rnd(3, 4), torch.rand(3, 4) > 0.5], lambda x, m: torch.masked_select(x, m))
fx.case("masked_select/mask_broadcast", "masked_select", [rnd(3, 4), B(True, False, False, True).reshape(1, 4)], lambda x, m: torch.masked_select(x, m))
fx.case("masked_select/input_broadcast", "masked_select", [rnd(4), torch.rand(3, 4) > 0.4], lambda x, m: torch.masked_select(x, m))
fx.case("masked_select/none", "masked_select", [rnd(2, 3), torch.zeros(2, 3, dtype=torch.bool)], lambda x, m: torch.masked_select(x, m))
fx.case("masked_select/noncontig_f64", "masked_select", [rnd(3, 4, dtype=f64), torch.rand(3, 4) > 0.5], lambda x, m: torch.masked_select(x, m), noncontiguous=True)
fx.case("masked_select/int64", "masked_select", [torch.arange(6).reshape(2, 3), B(True, False, True)], lambda x, m: torch.masked_select(x, m))

# masked_fill.
for v in [0.0, -1e9, float("-inf"), float("nan")]:
    fx.case(f"masked_fill/{v}", "masked_fill", [rnd(2, 3, 4), torch.rand(3, 4) > 0.5], lambda x, m: x.masked_fill(m, v),
            args={"value": v if v == v and abs(v) != float("inf") else str(v)})
fx.case("masked_fill/scalar_mask", "masked_fill", [rnd(2, 3), torch.tensor(True)], lambda x, m: x.masked_fill(m, 2.5), args={"value": 2.5})
fx.case("masked_fill/noncontig", "masked_fill", [rnd(3, 4), torch.rand(3, 4) > 0.5], lambda x, m: x.masked_fill(m, 3.0), args={"value": 3.0}, noncontiguous=True)
fx.case("masked_fill/int64", "masked_fill", [torch.arange(6).reshape(2, 3), B(False, True, True)], lambda x, m: x.masked_fill(m, 9), args={"value": 9.0})

# where, broadcasting all three.
fx.case("where/same", "where", [torch.rand(3, 4) > 0.5, rnd(3, 4), rnd(3, 4)], torch.where)
fx.case("where/broadcast", "where", [torch.rand(3, 1) > 0.5, rnd(1, 4), rnd(2, 1, 1)], torch.where)
fx.case("where/nan_inf", "where", [B(True, False, True, False), torch.tensor([float("nan"), 1.0, float("inf"), 2.0]),
                                   torch.tensor([0.0, float("-inf"), 3.0, float("nan")])], torch.where, grad=False)
fx.case("where/noncontig_f64", "where", [torch.rand(3, 4) > 0.5, rnd(3, 4, dtype=f64), rnd(3, 4, dtype=f64)], torch.where, noncontiguous=True)
fx.case("where/int64", "where", [B(True, False, True), L(1, 2, 3), L(-1, -2, -3)], torch.where)

# nonzero.
fx.case("nonzero/2d", "nonzero", [torch.tensor([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])], torch.nonzero)
fx.case("nonzero/bool_3d", "nonzero", [torch.rand(2, 3, 2) > 0.5], torch.nonzero)
fx.case("nonzero/1d_int", "nonzero", [L(0, 3, 0, 0, 5)], torch.nonzero)
fx.case("nonzero/scalar", "nonzero", [torch.tensor(2.0)], torch.nonzero, grad=False)
fx.case("nonzero/empty", "nonzero", [torch.zeros(0, 3)], torch.nonzero, grad=False)
fx.case("nonzero/none", "nonzero", [torch.zeros(2, 2)], torch.nonzero, grad=False)
fx.case("nonzero/noncontig", "nonzero", [torch.tensor([[0.0, 1.0, 2.0], [3.0, 0.0, 0.0]])], torch.nonzero, noncontiguous=True, grad=False)

# take (negative indices count from the end).
fx.case("take/2d_index", "take", [rnd(3, 4), L(0, 11, 5, 5).reshape(2, 2)], torch.take)
fx.case("take/negative", "take", [rnd(3, 4), L(-1, -12, 3)], torch.take)
fx.case("take/noncontig", "take", [rnd(3, 4), L(1, 4, 7)], torch.take, noncontiguous=True)
fx.case("take/scalar_index", "take", [rnd(2, 2), torch.tensor(3)], torch.take)

# embedding: repeated ids accumulate into the weight gradient.
fx.case("embedding/2d_ids", "embedding", [L(1, 4, 1, 0, 2, 4).reshape(2, 3), rnd(5, 4)], F.embedding)
fx.case("embedding/1d_ids", "embedding", [L(3, 3, 3), rnd(4, 2, dtype=f64)], F.embedding)
fx.case("embedding/scalar_id", "embedding", [torch.tensor(2), rnd(3, 4)], F.embedding)
fx.case("embedding/noncontig_weight", "embedding", [L(0, 2), rnd(3, 5)], F.embedding, noncontiguous=True)

# one_hot (int64 -> int64).
fx.case("one_hot/1d", "one_hot", [L(0, 3, 1, 4)], lambda x: F.one_hot(x, 5), args={"n": 5})
fx.case("one_hot/infer", "one_hot", [L(2, 0, 2)], lambda x: F.one_hot(x, -1), args={"n": -1})
fx.case("one_hot/2d", "one_hot", [L(0, 1, 2, 2, 1, 0).reshape(2, 3)], lambda x: F.one_hot(x, 4), args={"n": 4})
fx.case("one_hot/scalar", "one_hot", [torch.tensor(1)], lambda x: F.one_hot(x, 3), args={"n": 3})
fx.case("one_hot/empty", "one_hot", [torch.zeros(0, dtype=torch.int64)], lambda x: F.one_hot(x, 3), args={"n": 3})
fx.case("one_hot/noncontig", "one_hot", [L(0, 1, 2, 3, 0, 1).reshape(2, 3)], lambda x: F.one_hot(x, 4), args={"n": 4}, noncontiguous=True)
half = dict(rtol=1e-2, atol=1e-2)
# Half precision.
fx.case("index_select/float16", "index_select", [rnd(4, 3, dtype=torch.float16), L(3, 0, 3)], lambda x, i: torch.index_select(x, 0, i), args={"axis": 0}, **half)
fx.case("index_add/bfloat16", "index_add", [rnd(4, 3, dtype=torch.bfloat16), L(1, 1), rnd(2, 3, dtype=torch.bfloat16)],
        lambda x, i, s: x.index_add(0, i, s), args={"axis": 0}, **half)
fx.case("gather/bfloat16", "gather", [rnd(3, 4, dtype=torch.bfloat16), L(1, 0, 3).reshape(3, 1)], lambda x, i: torch.gather(x, 1, i), args={"axis": 1}, **half)
fx.case("scatter_add/float16", "scatter_add", [rnd(3, 4, dtype=torch.float16), L(1, 1, 3).reshape(3, 1), rnd(3, 1, dtype=torch.float16)],
        lambda x, i, s: torch.scatter_add(x, 1, i, s), args={"axis": 1}, **half)
fx.case("masked_select/bfloat16", "masked_select", [rnd(3, 4, dtype=torch.bfloat16), torch.rand(3, 4) > 0.5], lambda x, m: torch.masked_select(x, m), **half)
fx.write()
