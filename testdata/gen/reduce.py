"""Golden fixtures for the reductions (ops_reduce.go)."""
import torch

from golden import Fixture, rnd

fx = Fixture("reduce")
x = rnd(3, 4, 5)
for name, fn in {"sum": torch.sum, "mean": torch.mean, "prod": torch.prod, "amax": torch.amax, "amin": torch.amin, "logsumexp": torch.logsumexp}.items():
    for dims in [(), (0,), (-1,), (0, 2), (1, -1)]:
        for keep in [False, True]:
            if name == "prod" and len(dims) > 1:
                continue  # torch.prod takes one dim; multi-axis prod is checked by gradcheck
            if len(dims) == 0:
                if keep or name == "logsumexp":
                    continue
                f = lambda t, fn=fn: fn(t) if fn not in (torch.amax, torch.amin) else fn(t, tuple(range(t.dim())))
            elif name == "prod":
                f = lambda t, d=dims, k=keep: torch.prod(t, d[0], keepdim=k)
            else:
                f = lambda t, fn=fn, d=dims, k=keep: fn(t, d, keepdim=k)
            fx.case(f"{name}/dims{dims}_keep{keep}", name, [x], f, args={"axes": list(dims), "keep": keep})
fx.case("sum/noncontig", "sum", [rnd(4, 6, dtype=torch.float64)], lambda t: t.sum(0), args={"axes": [0], "keep": False}, noncontiguous=True)
fx.case("sum/int", "sum", [torch.tensor([[1, 2], [3, 4]], dtype=torch.int32)], lambda t: t.sum(1), args={"axes": [1], "keep": False}, grad=False)
fx.case("sum/bool", "sum", [torch.tensor([True, False, True])], torch.sum, args={"axes": [], "keep": False}, grad=False)
fx.case("sum/empty", "sum", [torch.zeros(0, 3)], lambda t: t.sum(0), args={"axes": [0], "keep": False})
fx.case("prod/empty", "prod", [torch.zeros(3, 0)], lambda t: t.prod(1), args={"axes": [1], "keep": False})
fx.case("prod/zeros", "prod", [torch.tensor([[1.0, 0.0, 3.0], [0.0, 0.0, 2.0], [2.0, 3.0, 4.0]])], lambda t: t.prod(1), args={"axes": [1], "keep": False})
fx.case("amax/ties", "amax", [torch.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])], lambda t: t.amax(1), args={"axes": [1], "keep": False})
fx.case("amax/nan", "amax", [torch.tensor([[1.0, float("nan"), 3.0], [2.0, 5.0, 2.0]])], lambda t: t.amax(1), args={"axes": [1], "keep": False}, grad=False)
fx.case("logsumexp/inf", "logsumexp", [torch.tensor([[float("-inf"), float("-inf")], [0.0, float("-inf")]])], lambda t: t.logsumexp(1), args={"axes": [1], "keep": False}, grad=False)
fx.case("logsumexp/big", "logsumexp", [torch.tensor([[1000.0, 1000.0], [-1000.0, 5.0]])], lambda t: t.logsumexp(1), args={"axes": [1], "keep": False})
# max/min with indices along a dim.
for name, fn in {"max_dim": torch.max, "min_dim": torch.min}.items():
    for d in [0, 1, -1]:
        for k in [False, True]:
            fx.case(f"{name}/{d}_{k}", name, [rnd(4, 5)], lambda t, fn=fn, d=d, k=k: tuple(fn(t, d, keepdim=k)), args={"axis": d, "keep": k}, multi=True)
    fx.case(f"{name}/ties", name, [torch.tensor([[2.0, 5.0, 5.0, 1.0]])], lambda t, fn=fn: tuple(fn(t, 1)), args={"axis": 1, "keep": False}, multi=True)
fx.case("max_all", "max_all", [rnd(3, 4)], torch.max)
fx.case("min_all", "min_all", [rnd(3, 4)], torch.min)
for name, fn in {"argmax": torch.argmax, "argmin": torch.argmin}.items():
    fx.case(f"{name}/flat", name, [rnd(3, 4)], fn, args={"axis": None}, grad=False)
    fx.case(f"{name}/0", name, [rnd(3, 4)], lambda t, fn=fn: fn(t, 0), args={"axis": 0}, grad=False)
    fx.case(f"{name}/-1keep", name, [rnd(3, 4)], lambda t, fn=fn: fn(t, -1, keepdim=True), args={"axis": -1, "keep": True}, grad=False)
    fx.case(f"{name}/ties", name, [torch.tensor([1.0, 3.0, 3.0, 0.0, 0.0])], fn, args={"axis": None}, grad=False)
    fx.case(f"{name}/int", name, [torch.tensor([[4, 9, 9], [1, 0, 7]])], lambda t, fn=fn: fn(t, 1), args={"axis": 1}, grad=False)
for name, fn in {"var": torch.var, "std": torch.std}.items():
    for corr in [0, 1]:
        for dims in [(), (1,), (0, 2)]:
            for keep in [False, True]:
                if not dims and keep:
                    continue
                f = (lambda t, fn=fn, c=corr, d=dims, k=keep: fn(t, d if d else None, unbiased=bool(c), keepdim=k))
                fx.case(f"{name}/c{corr}_{dims}_{keep}", name, [rnd(3, 4, 5)], f, args={"correction": corr, "axes": list(dims), "keep": keep})
for p in [1.0, 2.0, 3.0, float("inf"), 0.5]:
    for dims in [(), (1,)]:
        fx.case(f"norm/p{p}_{dims}", "norm", [rnd(3, 4)], lambda t, p=p, d=dims: torch.linalg.vector_norm(t, p, d if d else None), args={"p": p, "axes": list(dims), "keep": False})
fx.case("norm/zero", "norm", [torch.zeros(3)], lambda t: torch.linalg.vector_norm(t, 2.0), args={"p": 2.0, "axes": [], "keep": False}, grad=False)
for name, fn in {"cumsum": torch.cumsum, "cumprod": torch.cumprod}.items():
    for d in [0, 1, -1]:
        fx.case(f"{name}/{d}", name, [rnd(3, 4)], lambda t, fn=fn, d=d: fn(t, d), args={"axis": d})
    fx.case(f"{name}/int", name, [torch.tensor([[1, 2, 3], [4, 5, 6]], dtype=torch.int32)], lambda t, fn=fn: fn(t, 1), args={"axis": 1}, grad=False)
fx.case("cumprod/zeros", "cumprod", [torch.tensor([[2.0, 0.0, 3.0, 4.0], [0.0, 1.0, 0.0, 2.0], [1.5, 2.0, 0.5, 0.0]])], lambda t: torch.cumprod(t, 1), args={"axis": 1})
for name, fn in {"all": torch.all, "any": torch.any}.items():
    m = torch.tensor([[True, False, True], [True, True, True]])
    fx.case(f"{name}/flat", name, [m], fn, args={"axes": []}, grad=False)
    fx.case(f"{name}/dim", name, [m], lambda t, fn=fn: fn(t, 1), args={"axes": [1]}, grad=False)
    fx.case(f"{name}/float", name, [torch.tensor([[0.0, 2.0], [1.0, 1.0]])], lambda t, fn=fn: fn(t, 0), args={"axes": [0]}, grad=False)
fx.write()
