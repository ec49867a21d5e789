"""Golden fixtures for Linear (ops_linear.go): F.linear with and without a
bias, batched inputs, an empty batch, an empty inner size, non-contiguous
operands, float64, and the gradients of all three operands.

Run: /usr/bin/python3 testdata/gen/linear.py
"""
import torch
import torch.nn.functional as F

from golden import Fixture, rnd

fx = Fixture("linear")
f64 = torch.float64
tol = dict(rtol=1e-5, atol=1e-5)

fx.case("linear/bias", "linear", [rnd(4, 3), rnd(5, 3), rnd(5)], F.linear, **tol)
fx.case("linear/no_bias", "linear_nobias", [rnd(4, 3), rnd(5, 3)], F.linear, **tol)
fx.case("linear/batched_3d", "linear", [rnd(2, 3, 4), rnd(6, 4), rnd(6)], F.linear, **tol)
fx.case("linear/vector_input", "linear", [rnd(4), rnd(3, 4), rnd(3)], F.linear, **tol)
fx.case("linear/empty_batch", "linear", [rnd(0, 3), rnd(2, 3), rnd(2)], F.linear)
fx.case("linear/empty_inner", "linear", [rnd(3, 0), rnd(2, 0), rnd(2)], F.linear)
fx.case("linear/noncontig", "linear", [rnd(5, 4), rnd(3, 4), rnd(3)], F.linear, noncontiguous=True, **tol)
fx.case("linear/f64", "linear", [rnd(3, 7, dtype=f64), rnd(2, 7, dtype=f64), rnd(2, dtype=f64)], F.linear)
fx.case("linear/wide", "linear", [rnd(33, 65), rnd(17, 65), rnd(17)], F.linear, rtol=1e-4, atol=1e-4)
half = dict(rtol=2e-2, atol=2e-2)
fx.case("linear/bfloat16", "linear", [rnd(3, 4, dtype=torch.bfloat16), rnd(2, 4, dtype=torch.bfloat16), rnd(2, dtype=torch.bfloat16)], F.linear, **half)
fx.write()
