"""Golden fixtures for Softmax and LogSoftmax (ops_softmax.go).

Run from the repository root: /usr/bin/python3 testdata/gen/softmax.py
"""
import torch

from golden import Fixture, rnd

fx = Fixture("softmax")
inf, nan = float("inf"), float("nan")
fns = {"softmax": torch.softmax, "log_softmax": torch.log_softmax}

for op, fn in fns.items():
    def f(axis):
        return lambda x: fn(x, axis)

    for axis in [1, 0, -1]:
        fx.case(f"{op}/2x3/axis{axis}", op, [rnd(2, 3)], f(axis), args={"axis": axis})
    fx.case(f"{op}/3d_middle_axis", op, [rnd(2, 3, 4)], f(1), args={"axis": 1})
    fx.case(f"{op}/3d_first_axis_noncontig", op, [rnd(3, 2, 4)], f(0), args={"axis": 0}, noncontiguous=True)
    fx.case(f"{op}/f64_noncontig", op, [rnd(4, 5, dtype=torch.float64)], f(-1), args={"axis": -1}, noncontiguous=True)
    fx.case(f"{op}/f64_noncontig_axis0", op, [rnd(4, 5, dtype=torch.float64)], f(0), args={"axis": 0}, noncontiguous=True)
    fx.case(f"{op}/1d_noncontig", op, [rnd(6)], f(0), args={"axis": 0}, noncontiguous=True)
    fx.case(f"{op}/scalar", op, [rnd()], f(0), args={"axis": 0})
    fx.case(f"{op}/scalar_axis-1", op, [rnd()], f(-1), args={"axis": -1})
    fx.case(f"{op}/size1_axis", op, [rnd(3, 1)], f(1), args={"axis": 1})
    fx.case(f"{op}/empty_rows", op, [torch.zeros(0, 3)], f(1), args={"axis": 1})
    fx.case(f"{op}/empty_axis", op, [torch.zeros(2, 0)], f(1), args={"axis": 1})
    fx.case(f"{op}/long_rows", op, [rnd(2, 100, lo=-8, hi=8)], f(1), args={"axis": 1})
    fx.case(f"{op}/batch16x10", op, [rnd(16, 10, lo=-4, hi=4)], f(1), args={"axis": 1})
    fx.case(f"{op}/large_values", op, [torch.tensor([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -1002.0]])],
            f(1), args={"axis": 1})
    # -Inf entries are fine unless the whole lane is -Inf; +Inf and NaN give NaN.
    fx.case(f"{op}/neg_inf_entries", op, [torch.tensor([[-inf, 0.0, 1.0], [2.0, -inf, -inf]])], f(1), args={"axis": 1})
    fx.case(f"{op}/special_rows", op,
            [torch.tensor([[-inf, -inf, -inf], [inf, 0.0, 1.0], [nan, 0.0, 1.0], [0.5, -0.5, 1.5]])],
            f(1), args={"axis": 1})
    # Integer inputs are converted to the default float dtype (PyTorch
    # refuses them; Ember promotes like its other float-valued ops).
    fx.case(f"{op}/int64", op, [torch.tensor([[1, 2, 3], [0, -1, 5]])], lambda x: fn(x.float(), 1),
            args={"axis": 1}, grad=False)
    fx.case(f"{op}/bfloat16", op, [rnd(3, 4, dtype=torch.bfloat16)],
            lambda x: fn(x.float(), 1).to(torch.bfloat16), args={"axis": 1}, grad=False, rtol=1e-2, atol=1e-2)
fx.write()
