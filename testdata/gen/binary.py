"""Golden fixtures for the elementwise binary ops (ops_binary.go)."""
import torch

from golden import Fixture, rnd

fx = Fixture("binary")
ops = {
    "add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div,
    "maximum": torch.maximum, "minimum": torch.minimum, "atan2": torch.atan2,
}
shapes = [((2, 3), (2, 3)), ((2, 3), (3,)), ((4, 1, 3), (2, 1)), ((), (2, 2)), ((3, 1), (1, 4)), ((0, 3), (3,))]
for name, fn in ops.items():
    for sa, sb in shapes:
        lo = 0.5 if name == "div" else -2.0
        fx.case(f"{name}/{sa}x{sb}", name, [rnd(*sa), rnd(*sb, lo=lo)], fn)
    fx.case(f"{name}/f64_noncontig", name, [rnd(3, 4, dtype=torch.float64), rnd(3, 4, lo=0.5, dtype=torch.float64)], fn, noncontiguous=True)
# pow and remainder on safe ranges.
fx.case("pow/basic", "pow", [rnd(2, 3, lo=0.5, hi=2.0), rnd(2, 3)], torch.pow)
fx.case("pow/broadcast", "pow", [rnd(3, 1, lo=0.5, hi=2.0), rnd(4)], torch.pow)
fx.case("pow/zero_base", "pow", [torch.tensor([0.0, 0.0, 2.0]), torch.tensor([0.0, 2.0, 3.0])], torch.pow)
fx.case("remainder/float", "remainder", [rnd(2, 5, lo=-5, hi=5), torch.tensor([1.5, -2.0, 0.7, -0.9, 3.0])], torch.remainder)
fx.case("remainder/int", "remainder", [torch.tensor([-7, 7, -7, 7, 5]), torch.tensor([3, 3, -3, -3, 5])], torch.remainder, grad=False)
fx.case("floor_divide/float", "floor_divide", [rnd(2, 5, lo=-5, hi=5), torch.tensor([1.5, -2.0, 0.7, -0.9, 3.0])], torch.floor_divide, grad=False)
fx.case("floor_divide/int", "floor_divide", [torch.tensor([-7, 7, -7, 7, 5]), torch.tensor([3, 3, -3, -3, 5])], torch.floor_divide, grad=False)
# Ties in maximum/minimum split the gradient.
fx.case("maximum/ties", "maximum", [torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 0.0, 3.0])], torch.maximum)
fx.case("minimum/ties", "minimum", [torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 0.0, 3.0])], torch.minimum)
# NaN and infinities.
sp = torch.tensor([float("nan"), float("inf"), float("-inf"), 1.0, 0.0])
sq = torch.tensor([1.0, float("inf"), 2.0, float("nan"), 0.0])
for name in ["add", "mul", "div", "maximum", "minimum", "sub"]:
    fx.case(f"{name}/special", name, [sp, sq], ops[name], grad=False)
# Comparisons and logical ops (bool results).
a, b = torch.tensor([[1.0, 2.0, float("nan")], [4.0, -1.0, 2.0]]), torch.tensor([2.0, 2.0, float("nan")])
for name, fn in {"eq": torch.eq, "ne": torch.ne, "lt": torch.lt, "le": torch.le, "gt": torch.gt, "ge": torch.ge}.items():
    fx.case(f"{name}/float", name, [a, b], fn, grad=False)
    fx.case(f"{name}/int", name, [torch.tensor([1, 5, -3]), torch.tensor([[1], [4]])], fn, grad=False)
for name, fn in {"logical_and": torch.logical_and, "logical_or": torch.logical_or, "logical_xor": torch.logical_xor}.items():
    fx.case(name, name, [torch.tensor([0.0, 1.0, 2.0, 0.0]), torch.tensor([0, 0, 3, 5])], fn, grad=False)
    fx.case(name + "/bool", name, [torch.tensor([True, False, True]), torch.tensor([[True], [False]])], fn, grad=False)
# Type promotion: int + float tensor, int tensor + float scalar tensor, float32 + float64.
fx.case("add/int_float", "add", [torch.tensor([1, 2, 3]), rnd(3)], torch.add, grad_inputs=[1])
fx.case("mul/f32_f64", "mul", [rnd(3), rnd(3, dtype=torch.float64)], torch.mul)
fx.case("add/f32_zero_dim_f64", "add", [rnd(3), rnd(dtype=torch.float64)], torch.add)
fx.case("div/int_int", "div", [torch.tensor([1, 7, -3]), torch.tensor([2, 2, 2])], torch.div, grad=False)
fx.case("add/uint8_int64", "add", [torch.tensor([250, 3], dtype=torch.uint8), torch.tensor([10, -4])], torch.add, grad=False)
fx.case("add/bool_bool", "add", [torch.tensor([True, False]), torch.tensor([True, True])], torch.add, grad=False)
# where and masked_fill.
cond = torch.tensor([[True, False, True], [False, False, True]])
fx.case("where/basic", "where", [cond, rnd(2, 3), rnd(3)], torch.where)
fx.case("where/scalar_like", "where", [cond, rnd(1), rnd(2, 1)], torch.where)
fx.case("masked_fill", "masked_fill", [rnd(2, 3), cond], lambda x, m: x.masked_fill(m, -1.5), args={"value": -1.5})
fx.case("masked_fill/broadcast", "masked_fill", [rnd(2, 3), torch.tensor([True, False, True])], lambda x, m: x.masked_fill(m, 7.0), args={"value": 7.0})
fx.write()
