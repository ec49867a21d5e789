"""Golden fixtures for creation ops (create.go); inputs are unused."""
import torch

from golden import Fixture

fx = Fixture("create")
def c(name, op, fn, args):
    fx.case(name, op, [], fn, args=args, grad=False)

c("zeros", "zeros", lambda: torch.zeros(2, 3), {"shape": [2, 3]})
c("ones_f64", "ones", lambda: torch.ones(4, dtype=torch.float64), {"shape": [4], "dtype": "float64"})
c("full_int", "full", lambda: torch.full((2, 2), 7, dtype=torch.int64), {"shape": [2, 2], "value": 7, "dtype": "int64"})
c("full_scalar", "full", lambda: torch.full((), 2.5), {"shape": [], "value": 2.5})
c("zeros_empty", "zeros", lambda: torch.zeros(0, 4), {"shape": [0, 4]})
for a, b, s in [(0, 5, 1), (1, 10, 3), (5, 0, -2), (0, 1, 0.1), (-1.5, 2.5, 0.5), (0, 0, 1)]:
    dt = torch.int64 if all(float(v).is_integer() for v in (a, b, s)) else torch.float32
    c(f"arange_{a}_{b}_{s}", "arange", lambda a=a, b=b, s=s: torch.arange(a, b, s), {"start": a, "end": b, "step": s})
c("arange_f64", "arange", lambda: torch.arange(0, 3, 0.5, dtype=torch.float64), {"start": 0, "end": 3, "step": 0.5, "dtype": "float64"})
for a, b, n in [(0, 1, 5), (-3, 3, 7), (2, 2, 1), (0, 10, 0), (1, -1, 4), (0, 1, 11)]:
    c(f"linspace_{a}_{b}_{n}", "linspace", lambda a=a, b=b, n=n: torch.linspace(a, b, n), {"start": a, "end": b, "steps": n})
c("eye3", "eye", lambda: torch.eye(3), {"n": 3, "m": 3})
c("eye2x4", "eye", lambda: torch.eye(2, 4), {"n": 2, "m": 4})
c("eye4x2_i64", "eye", lambda: torch.eye(4, 2, dtype=torch.int64), {"n": 4, "m": 2, "dtype": "int64"})
c("tensor_nested", "from_nested", lambda: torch.tensor([[1.5, 2], [3, 4]]), {"data": [[1.5, 2], [3, 4]]})
c("tensor_ints", "from_nested", lambda: torch.tensor([[1, 2, 3]]), {"data": [[1, 2, 3]], "int": True})
fx.write()
