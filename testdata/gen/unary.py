"""Golden fixtures for the elementwise unary ops (ops_unary.go)."""
import torch
import torch.nn.functional as F

from golden import Fixture, rnd

fx = Fixture("unary")
pos = dict(lo=0.1, hi=3.0)
ops = {
    "neg": (torch.neg, {}), "abs": (torch.abs, {}), "sign": (torch.sign, {}),
    "exp": (torch.exp, {}), "expm1": (torch.expm1, {}), "log": (torch.log, pos),
    "log1p": (torch.log1p, dict(lo=-0.9, hi=3.0)), "log2": (torch.log2, pos),
    "sqrt": (torch.sqrt, pos), "rsqrt": (torch.rsqrt, pos), "square": (torch.square, {}),
    "sin": (torch.sin, {}), "cos": (torch.cos, {}), "tan": (torch.tan, dict(lo=-1.2, hi=1.2)),
    "tanh": (torch.tanh, {}), "sigmoid": (torch.sigmoid, {}), "relu": (torch.relu, {}),
    "selu": (F.selu, {}), "gelu": (F.gelu, {}), "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), {}),
    "silu": (F.silu, {}), "mish": (F.mish, {}), "floor": (torch.floor, {}), "ceil": (torch.ceil, {}),
    "round": (torch.round, {}), "trunc": (torch.trunc, {}), "reciprocal": (torch.reciprocal, pos),
    "erf": (torch.erf, {}),
}
for name, (fn, rng) in ops.items():
    fx.case(name + "/2x3", name, [rnd(2, 3, **rng)], fn)
    fx.case(name + "/f64_noncontig", name, [rnd(3, 4, dtype=torch.float64, **rng)], fn, noncontiguous=True)
    fx.case(name + "/scalar", name, [rnd(**rng)], fn)
    fx.case(name + "/empty", name, [torch.zeros(0, 3)], fn)
# Special values propagate: NaN, infinities, zeros.
special = torch.tensor([float("nan"), float("inf"), float("-inf"), 0.0, -0.0, 1.0, -1.0])
for name in ["neg", "abs", "sign", "exp", "tanh", "sigmoid", "relu", "floor", "sqrt", "gelu", "silu"]:
    fx.case(name + "/special", name, [special], ops[name][0], grad=False)
fx.case("round/halves", "round", [torch.tensor([0.5, 1.5, 2.5, -0.5, -1.5])], torch.round, grad=False)
# Ops with parameters.
for slope in [0.01, 0.2]:
    fx.case(f"leaky_relu/{slope}", "leaky_relu", [rnd(3, 4)], lambda x: F.leaky_relu(x, slope), args={"a": slope})
for alpha in [1.0, 0.5]:
    fx.case(f"elu/{alpha}", "elu", [rnd(3, 4)], lambda x: F.elu(x, alpha), args={"a": alpha})
for beta, th in [(1.0, 20.0), (2.0, 1.0)]:
    fx.case(f"softplus/{beta}_{th}", "softplus", [rnd(3, 4)], lambda x: F.softplus(x, beta, th), args={"a": beta, "b": th})
fx.case("hardtanh", "hardtanh", [rnd(3, 4)], lambda x: F.hardtanh(x, -0.5, 0.7), args={"a": -0.5, "b": 0.7})
fx.case("clamp", "clamp", [rnd(3, 4)], lambda x: torch.clamp(x, -0.5, 0.7), args={"a": -0.5, "b": 0.7})
fx.case("clamp/min_only", "clamp_min", [rnd(3, 4)], lambda x: torch.clamp(x, min=0.1), args={"a": 0.1})
fx.case("clamp/max_only", "clamp_max", [rnd(3, 4)], lambda x: torch.clamp(x, max=0.1), args={"a": 0.1})
for p in [2.0, 3.0, 0.5, -1.5]:
    fx.case(f"pow_scalar/{p}", "pow_scalar", [rnd(3, 4, lo=0.2, hi=2.0)], lambda x: torch.pow(x, p), args={"a": p})
fx.case("rpow_scalar", "rpow_scalar", [rnd(3, 4)], lambda x: torch.pow(2.5, x), args={"a": 2.5})
fx.case("nan_to_num", "nan_to_num", [special], lambda x: torch.nan_to_num(x, 0.5, 9.0, -8.0), args={"a": 0.5, "b": 9.0, "c": -8.0})
fx.case("isnan", "isnan", [special], torch.isnan, grad=False)
fx.case("isinf", "isinf", [special], torch.isinf, grad=False)
fx.case("isfinite", "isfinite", [special], torch.isfinite, grad=False)
fx.case("logical_not", "logical_not", [torch.tensor([0.0, 1.0, -2.0, float("nan")])], torch.logical_not, grad=False)
# Integer inputs: float-valued ops promote, sign-like ops keep the dtype.
ints = torch.tensor([[-3, 0, 2], [5, -1, 7]])
for name in ["neg", "abs", "sign", "square", "relu", "exp", "sqrt", "sigmoid"]:
    fx.case(name + "/int64", name, [ints], ops[name][0], grad=False)
fx.case("exp/float64", "exp", [rnd(4, dtype=torch.float64)], torch.exp)
fx.case("tanh/bfloat16", "tanh", [rnd(5, dtype=torch.bfloat16)], torch.tanh, rtol=1e-2, atol=1e-2, grad=False)
fx.case("sigmoid/float16", "sigmoid", [rnd(5, dtype=torch.float16)], lambda x: torch.sigmoid(x.float()).half(), rtol=1e-3, atol=1e-3, grad=False)
fx.write()
