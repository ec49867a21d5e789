"""Golden fixtures for the matrix products (ops_matmul.go, ops_einsum.go):
matmul in every torch.matmul case, bmm, mm, dot, outer, einsum.

Run: /usr/bin/python3 testdata/gen/matmul.py
"""
import torch

from golden import Fixture, rnd

fx = Fixture("matmul")
f64 = torch.float64
tol = dict(rtol=1e-5, atol=1e-5)

# torch.matmul: 1-D·1-D, 1-D·2-D, 2-D·1-D, 2-D·2-D, batched (with
# broadcasting), batch·matrix, matrix·batch, vectors against batches.
for a, b in [((3,), (3,)), ((3,), (3, 4)), ((2, 3), (3,)), ((2, 3), (3, 4)), ((5, 2, 3), (5, 3, 4)),
             ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((3,), (2, 3, 4)), ((2, 4, 3), (3,)),
             ((2, 1, 3, 4), (5, 4, 2)), ((1, 3, 2, 3), (2, 1, 3, 2)), ((4, 3, 2, 5), (5, 2)),
             ((2, 0), (0, 3)), ((0, 3), (3, 2)), ((1, 1), (1, 1)), ((2, 3, 0), (0, 4)), ((0, 3, 2), (2,)),
             ((2, 0, 3), (3, 4)), ((2, 2, 0), (2, 0, 3))]:
    fx.case(f"matmul/{a}x{b}", "matmul", [rnd(*a), rnd(*b)], torch.matmul, **tol)
# Non-contiguous (transposed) operands and float64.
fx.case("matmul/noncontig_2d", "matmul", [rnd(4, 3), rnd(3, 5)], torch.matmul, noncontiguous=True, **tol)
fx.case("matmul/noncontig_batched_f64", "matmul", [rnd(3, 2, 4, dtype=f64), rnd(3, 4, 2, dtype=f64)], torch.matmul, noncontiguous=True)
fx.case("matmul/noncontig_1d", "matmul", [rnd(4), rnd(4, 3)], torch.matmul, noncontiguous=True, **tol)
fx.case("matmul/f64_broadcast", "matmul", [rnd(2, 1, 3, 4, dtype=f64), rnd(3, 4, 2, dtype=f64)], torch.matmul)
fx.case("matmul/transposed_views", "matmul_tt", [rnd(3, 2, 4), rnd(3, 5, 2)], lambda a, b: a.mT.matmul(b.mT), **tol)
fx.case("matmul/larger", "matmul", [rnd(33, 47), rnd(47, 29)], torch.matmul, rtol=1e-4, atol=1e-4)
fx.case("matmul/nan_inf", "matmul", [torch.tensor([[1.0, float("nan")], [2.0, 3.0]]), torch.tensor([[1.0, 0.5], [float("inf"), 2.0]])],
        torch.matmul, grad=False)

fx.case("bmm/basic", "bmm", [rnd(3, 2, 4), rnd(3, 4, 5)], torch.bmm, **tol)
fx.case("bmm/noncontig_f64", "bmm", [rnd(2, 3, 3, dtype=f64), rnd(2, 3, 4, dtype=f64)], torch.bmm, noncontiguous=True)
fx.case("bmm/empty_batch", "bmm", [rnd(0, 2, 3), rnd(0, 3, 4)], torch.bmm)
fx.case("mm/basic", "mm", [rnd(4, 3), rnd(3, 2)], torch.mm, **tol)
fx.case("mm/noncontig", "mm", [rnd(3, 5), rnd(5, 4)], torch.mm, noncontiguous=True, **tol)
fx.case("mm/f64", "mm", [rnd(2, 6, dtype=f64), rnd(6, 3, dtype=f64)], torch.mm)
fx.case("dot/basic", "dot", [rnd(7), rnd(7)], torch.dot, **tol)
fx.case("dot/f64_noncontig", "dot", [rnd(5, dtype=f64), rnd(5, dtype=f64)], torch.dot, noncontiguous=True)
fx.case("dot/empty", "dot", [rnd(0), rnd(0)], torch.dot)
fx.case("outer/basic", "outer", [rnd(3), rnd(4)], torch.outer)
fx.case("outer/f64_noncontig", "outer", [rnd(2, dtype=f64), rnd(5, dtype=f64)], torch.outer, noncontiguous=True)

# einsum: the equations ember supports, with size-1 broadcasting and
# ellipses.
eins = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("ij->ji", [(2, 3)]),
    ("ii->", [(3, 3)]),
    ("ii", [(4, 4)]),
    ("ii->i", [(3, 3)]),
    ("iij->ji", [(2, 2, 3)]),
    ("i,j->ij", [(3,), (4,)]),
    ("i,i->", [(5,), (5,)]),
    ("ij->", [(2, 3)]),
    ("ij->j", [(2, 3)]),
    ("bi,bij,bj->b", [(2, 3), (2, 3, 4), (2, 4)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ("bhqk,bhkd->bhqd", [(2, 2, 3, 5), (2, 2, 5, 4)]),
    ("ik,jk->ij", [(3, 4), (2, 4)]),
    ("ij,ij->ij", [(2, 3), (2, 3)]),
    ("ij,ij->", [(2, 3), (2, 3)]),
    ("i,ij,j", [(2,), (2, 3), (3,)]),
    ("abc,cd,de->abe", [(2, 3, 4), (4, 2), (2, 3)]),
    ("ba,ab", [(2, 3), (3, 2)]),
    ("Ab,bC->AC", [(2, 3), (3, 2)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]),
    ("...i,...i->...", [(2, 3), (4, 1, 3)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("i...->", [(2, 3)]),
    ("b...,b...->...", [(2, 3, 4), (2, 3, 4)]),
    ("...ij", [(2, 3, 4)]),
    ("i...j,j->i...", [(2, 3, 4), (4,)]),
    ("ij,jk->ik", [(2, 1), (3, 4)]),
    ("bij,bjk->bik", [(1, 2, 3), (4, 3, 2)]),
    ("i j , j k -> i k", [(2, 3), (3, 2)]),
    (",i->i", [(), (3,)]),
    ("ij,kl->ijkl", [(2, 2), (1, 3)]),
    ("ii,i->i", [(3, 3), (3,)]),
]
for eq, shapes in eins:
    ins = [rnd(*s) for s in shapes]
    fx.case(f"einsum/{eq}", "einsum", ins, lambda *xs: torch.einsum(eq, *xs), args={"eq": eq}, **tol)
fx.case("einsum/noncontig_f64", "einsum", [rnd(3, 4, dtype=f64), rnd(4, 2, dtype=f64)], lambda *xs: torch.einsum("ij,jk->ki", *xs),
        args={"eq": "ij,jk->ki"}, noncontiguous=True)
# bfloat16 (PyTorch's CPU has no float16 matmul).
half = dict(rtol=2e-2, atol=2e-2)
fx.case("matmul/bfloat16", "matmul", [rnd(3, 4, dtype=torch.bfloat16), rnd(4, 2, dtype=torch.bfloat16)], torch.matmul, **half)
fx.case("einsum/bfloat16", "einsum", [rnd(3, 4, dtype=torch.bfloat16), rnd(2, 4, dtype=torch.bfloat16)], lambda *xs: torch.einsum("ij,kj->ik", *xs),
        args={"eq": "ij,kj->ik"}, **half)
fx.write()
