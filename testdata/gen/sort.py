"""Golden fixtures for the sorting ops (ops_sort.go): sort, argsort, topk,
kthvalue, unique.

Run: /usr/bin/python3 testdata/gen/sort.py
"""
import torch

from golden import Fixture, rnd

fx = Fixture("sort")
f64 = torch.float64
nan, inf = float("nan"), float("inf")

# Values with ties (stable order matters) and with NaN/Inf.
ties = torch.tensor([[3.0, 1.0, 3.0, 2.0, 1.0], [0.5, 0.5, 0.5, -1.0, 2.0]])
special = torch.tensor([2.0, nan, -inf, 1.0, nan, inf, -1.0])

# sort returns (values, indices); the gradient flows through the values.
for axis, desc in [(-1, False), (-1, True), (0, False), (0, True)]:
    fx.case(f"sort/{axis}_{desc}", "sort", [rnd(3, 5)], lambda x: torch.sort(x, dim=axis, descending=desc, stable=True),
            args={"axis": axis, "descending": desc}, multi=True)
for desc in [False, True]:
    fx.case(f"sort/ties_{desc}", "sort", [ties], lambda x: torch.sort(x, dim=1, descending=desc, stable=True),
            args={"axis": 1, "descending": desc}, multi=True)
    fx.case(f"sort/special_{desc}", "sort", [special], lambda x: torch.sort(x, dim=0, descending=desc, stable=True),
            args={"axis": 0, "descending": desc}, multi=True, grad=False)
fx.case("sort/3d_mid_axis", "sort", [rnd(2, 4, 3)], lambda x: torch.sort(x, dim=1, stable=True), args={"axis": 1, "descending": False}, multi=True)
fx.case("sort/noncontig_f64", "sort", [rnd(4, 3, dtype=f64)], lambda x: torch.sort(x, dim=1, descending=True, stable=True),
        args={"axis": 1, "descending": True}, multi=True, noncontiguous=True)
fx.case("sort/int64", "sort", [torch.tensor([[5, -2, 5, 0], [1, 1, -7, 3]])], lambda x: torch.sort(x, dim=1, stable=True),
        args={"axis": 1, "descending": False}, multi=True)
fx.case("sort/int32_desc", "sort", [torch.tensor([4, 9, -1, 9], dtype=torch.int32)], lambda x: torch.sort(x, descending=True, stable=True),
        args={"axis": -1, "descending": True}, multi=True)
fx.case("sort/bool", "sort", [torch.tensor([True, False, True, False])], lambda x: torch.sort(x, stable=True),
        args={"axis": 0, "descending": False}, multi=True)
fx.case("sort/empty", "sort", [rnd(0, 3)], lambda x: torch.sort(x, dim=1, stable=True), args={"axis": 1, "descending": False}, multi=True)
fx.case("sort/scalar", "sort", [rnd()], lambda x: torch.sort(x, dim=0, stable=True), args={"axis": 0, "descending": False}, multi=True)

for axis, desc in [(-1, False), (0, True)]:
    fx.case(f"argsort/{axis}_{desc}", "argsort", [ties], lambda x: torch.sort(x, dim=axis, descending=desc, stable=True)[1],
            args={"axis": axis, "descending": desc})
fx.case("argsort/special", "argsort", [special], lambda x: torch.sort(x, stable=True)[1], args={"axis": 0, "descending": False})

# topk: distinct values (PyTorch does not fix the order of ties).
distinct = lambda *shape: torch.randperm(torch.Size(shape).numel()).to(torch.float32).reshape(shape) / 4 - 1
for k, axis, largest in [(2, -1, True), (2, -1, False), (3, 0, True), (0, 1, True), (5, 1, False), (1, 1, True)]:
    fx.case(f"topk/{k}_{axis}_{largest}", "topk", [distinct(4, 5)], lambda x: torch.topk(x, k, dim=axis, largest=largest),
            args={"k": k, "axis": axis, "largest": largest}, multi=True)
fx.case("topk/nan_largest", "topk", [torch.tensor([1.0, nan, 3.0, -inf])], lambda x: torch.topk(x, 2),
        args={"k": 2, "axis": -1, "largest": True}, multi=True, grad=False)
fx.case("topk/noncontig_f64", "topk", [distinct(3, 6).to(f64)], lambda x: torch.topk(x, 3, dim=1),
        args={"k": 3, "axis": 1, "largest": True}, multi=True, noncontiguous=True)
fx.case("topk/int64", "topk", [torch.tensor([[4, 8, -1], [0, 2, 9]])], lambda x: torch.topk(x, 2, dim=1, largest=False),
        args={"k": 2, "axis": 1, "largest": False}, multi=True)

# kthvalue (k counts from 1).
for k, axis, keep in [(1, -1, False), (3, -1, True), (2, 0, False), (4, 0, True)]:
    fx.case(f"kthvalue/{k}_{axis}_{keep}", "kthvalue", [distinct(4, 5)], lambda x: torch.kthvalue(x, k, dim=axis, keepdim=keep),
            args={"k": k, "axis": axis, "keep": keep}, multi=True)
fx.case("kthvalue/noncontig_f64", "kthvalue", [distinct(3, 4).to(f64)], lambda x: torch.kthvalue(x, 2, dim=1),
        args={"k": 2, "axis": 1, "keep": False}, multi=True, noncontiguous=True)
fx.case("kthvalue/int64", "kthvalue", [torch.tensor([7, -3, 5, 0])], lambda x: torch.kthvalue(x, 2),
        args={"k": 2, "axis": -1, "keep": False}, multi=True)


# unique (flattened): values, inverse, counts. With sorted=False ember
# returns values in order of first appearance; PyTorch leaves that order
# unspecified, so those expectations come from a plain Python reference.
def unique_first_seen(x):
    vals = x.reshape(-1).tolist()
    order, pos, counts = [], {}, []
    inv = []
    for v in vals:
        if v not in pos:
            pos[v] = len(order)
            order.append(v)
            counts.append(0)
        counts[pos[v]] += 1
        inv.append(pos[v])
    return (torch.tensor(order, dtype=x.dtype), torch.tensor(inv, dtype=torch.int64).reshape(x.shape),
            torch.tensor(counts, dtype=torch.int64))


uniq_inputs = {
    "float_2d": torch.tensor([[3.0, 1.0, 2.0], [3.0, -1.0, 1.0]]),
    "int64": torch.tensor([5, 5, 2, 7, 2, 5, 0]),
    "bool": torch.tensor([True, False, True]),
    "single": torch.tensor([4.0]),
    "all_same": torch.tensor([[2, 2], [2, 2]]),
    "empty": torch.zeros(0, 2),
    "f64_3d": torch.tensor([0.5, -0.5, 0.5, 1.5, -0.5, 0.5, 2.5, 1.5], dtype=f64).reshape(2, 2, 2),
}
for name, x in uniq_inputs.items():
    fx.case(f"unique/sorted_{name}", "unique", [x], lambda x: torch.unique(x, sorted=True, return_inverse=True, return_counts=True),
            args={"sorted": True}, multi=True, grad=False)
    fx.case(f"unique/first_seen_{name}", "unique", [x], unique_first_seen, args={"sorted": False}, multi=True, grad=False)
fx.case("unique/noncontig", "unique", [torch.tensor([[1, 3, 1], [2, 3, 0]])],
        lambda x: torch.unique(x, sorted=True, return_inverse=True, return_counts=True), args={"sorted": True}, multi=True, noncontiguous=True)
# Half precision (values are exact in both formats, so no tolerance needed).
fx.case("sort/float16", "sort", [ties.to(torch.float16)], lambda x: torch.sort(x, dim=1, descending=True, stable=True),
        args={"axis": 1, "descending": True}, multi=True)
fx.case("topk/bfloat16", "topk", [distinct(3, 4).to(torch.bfloat16)], lambda x: torch.topk(x, 2, dim=1),
        args={"k": 2, "axis": 1, "largest": True}, multi=True)
fx.case("unique/bfloat16", "unique", [torch.tensor([1.5, -2.0, 1.5, 0.25], dtype=torch.bfloat16)],
        lambda x: torch.unique(x, sorted=True, return_inverse=True, return_counts=True), args={"sorted": True}, multi=True, grad=False)
fx.write()
