"""Golden fixtures for the normalisations (ops_norm.go).

Args name the inputs in order ("names": ["x", "weight", ...]) since weight,
bias and running statistics are optional, plus normalized_shape, groups,
eps, training and momentum. PyTorch 1.13 has no rms_norm: it is written out
here as x * rsqrt(mean(x^2) + eps) * weight, as torch 2.4 defines it.
"""
import torch
import torch.nn.functional as F

from golden import Fixture, rnd

fx = Fixture("norm")


def named_case(name, op, inputs, fn, args, **kw):
    names = [n for n, _ in inputs]
    tensors = [t for _, t in inputs]
    fx.case(name, op, tensors, lambda *ts: fn(**dict(zip(names, ts))), args=dict(args, names=names), **kw)


def ln_case(name, x, shape, weight=False, bias=False, eps=1e-5, **kw):
    ins = [("x", x)]
    if weight:
        ins.append(("weight", rnd(*shape, dtype=x.dtype)))
    if bias:
        ins.append(("bias", rnd(*shape, dtype=x.dtype)))
    named_case(name, "layer_norm", ins, lambda x, weight=None, bias=None: F.layer_norm(x, shape, weight, bias, eps),
               {"normalized_shape": list(shape), "eps": eps}, **kw)


ln_case("layer_norm/last", rnd(3, 5), [5], weight=True, bias=True)
ln_case("layer_norm/two_dims", rnd(2, 3, 4), [3, 4], weight=True, bias=True)
ln_case("layer_norm/no_affine", rnd(4, 6), [6])
ln_case("layer_norm/weight_only", rnd(2, 2, 5), [5], weight=True)
ln_case("layer_norm/bias_only", rnd(2, 5), [5], bias=True)
ln_case("layer_norm/eps", rnd(3, 4, lo=-0.01, hi=0.01), [4], weight=True, bias=True, eps=1e-3)
ln_case("layer_norm/whole", rnd(3, 4), [3, 4], weight=True, rtol=1e-4, atol=1e-5)
ln_case("layer_norm/noncontig", rnd(4, 3, 5), [5], weight=True, bias=True, noncontiguous=True)
ln_case("layer_norm/f64", rnd(3, 7, dtype=torch.float64), [7], weight=True, bias=True)
ln_case("layer_norm/empty_rows", torch.zeros(0, 4), [4], weight=True, bias=True)
# One element per row: PyTorch's fused kernel cancels x*rstd*w - mean*rstd*w
# with rstd = 1/sqrt(eps), so it is only good to ~1e-5 here.
ln_case("layer_norm/single", rnd(3, 1), [1], weight=True, bias=True, rtol=1e-4, atol=1e-4)
nanx = rnd(3, 4)
nanx[1, 2] = float("nan")
ln_case("layer_norm/nan_row", nanx, [4], weight=True, bias=True, grad=False)


# Double backward: the op's result is a first derivative, the fixture's
# gradients are second derivatives computed by PyTorch.
def ln_grad(which, shape):
    def f(x, weight, gy):
        ins = [t if t.requires_grad else t.detach().requires_grad_() for t in (x, weight)]
        y = F.layer_norm(ins[0], shape, ins[1], None, 1e-5)
        return torch.autograd.grad(y, ins[which], gy, create_graph=True)[0]
    return f


for which, tag in [(0, "input"), (1, "weight")]:
    x = rnd(3, 2, 5, dtype=torch.float64)
    w = rnd(2, 5, dtype=torch.float64)
    gy = torch.randn(3, 2, 5, dtype=torch.float64)
    # The weight gradient does not depend on the weight.
    named_case(f"layer_norm_grad_{tag}/two_dims", f"layer_norm_grad_{tag}", [("x", x), ("weight", w), ("gy", gy)],
               ln_grad(which, [2, 5]), {"normalized_shape": [2, 5], "eps": 1e-5},
               grad_inputs=[0, 1, 2] if which == 0 else [0, 2])


def rms(x, shape, weight, eps):
    dims = tuple(range(-len(shape), 0))
    y = x * torch.rsqrt(x.pow(2).mean(dims, keepdim=True) + eps)
    return y * weight if weight is not None else y


for name, x, shape, weight in [("last", rnd(3, 6), [6], True), ("two_dims", rnd(2, 3, 4), [3, 4], True),
                               ("no_weight", rnd(4, 5), [5], False)]:
    ins = [("x", x)] + ([("weight", rnd(*shape))] if weight else [])
    named_case("rms_norm/" + name, "rms_norm", ins, lambda x, weight=None: rms(x, shape, weight, 1e-6),
               {"normalized_shape": shape, "eps": 1e-6})
named_case("rms_norm/noncontig_f64", "rms_norm", [("x", rnd(3, 4, dtype=torch.float64)), ("weight", rnd(4, dtype=torch.float64))],
           lambda x, weight: rms(x, [4], weight, 1e-5), {"normalized_shape": [4], "eps": 1e-5}, noncontiguous=True)


def gn_case(name, x, groups, affine=True, eps=1e-5, **kw):
    c = x.shape[1]
    ins = [("x", x)] + ([("weight", rnd(c, dtype=x.dtype)), ("bias", rnd(c, dtype=x.dtype))] if affine else [])
    named_case(name, "group_norm", ins, lambda x, weight=None, bias=None: F.group_norm(x, groups, weight, bias, eps),
               {"groups": groups, "eps": eps}, **kw)


gn_case("group_norm/g2_4d", rnd(2, 4, 3, 3), 2)
gn_case("group_norm/g1_layer", rnd(2, 3, 4), 1)
gn_case("group_norm/instance", rnd(2, 3, 5), 3)
gn_case("group_norm/2d_input", rnd(4, 6), 3, rtol=1e-4, atol=1e-5)
gn_case("group_norm/no_affine", rnd(2, 4, 2, 3), 2, affine=False)
gn_case("group_norm/noncontig_f64", rnd(3, 4, 2, 2, dtype=torch.float64), 2, noncontiguous=True)
gn_case("group_norm/eps", rnd(2, 4, 3, lo=-0.01, hi=0.01), 4, eps=1e-2)


def bn_case(name, x, training, running=True, affine=True, momentum=0.1, eps=1e-5, **kw):
    c = x.shape[1]
    ins = [("x", x)]
    if running:
        ins += [("running_mean", rnd(c, dtype=x.dtype)), ("running_var", rnd(c, lo=0.5, hi=2.0, dtype=x.dtype))]
    if affine:
        ins += [("weight", rnd(c, dtype=x.dtype)), ("bias", rnd(c, dtype=x.dtype))]
    grad_inputs = [i for i, (n, _) in enumerate(ins) if not n.startswith("running")]

    def f(x, running_mean=None, running_var=None, weight=None, bias=None):
        rm = running_mean.clone() if running_mean is not None else None
        rv = running_var.clone() if running_var is not None else None
        y = F.batch_norm(x, rm, rv, weight, bias, training, momentum, eps)
        return (y, rm, rv) if running else (y,)

    named_case(name, "batch_norm", ins, f, {"training": training, "momentum": momentum, "eps": eps},
               grad_inputs=grad_inputs, multi=True, **kw)


bn_case("batch_norm/train_2d", rnd(5, 3), True)
bn_case("batch_norm/train_3d", rnd(4, 3, 5), True, momentum=0.3)
bn_case("batch_norm/train_4d", rnd(3, 2, 3, 4), True)
bn_case("batch_norm/train_no_running", rnd(4, 3, 2, 2), True, running=False)
bn_case("batch_norm/train_no_affine", rnd(6, 2, 3), True, affine=False)
bn_case("batch_norm/train_noncontig_f64", rnd(3, 4, 2, 3, dtype=torch.float64), True, noncontiguous=True)
bn_case("batch_norm/train_eps_momentum", rnd(2, 3, 2, lo=-0.05, hi=0.05), True, momentum=0.9, eps=1e-2)
bn_case("batch_norm/eval_2d", rnd(5, 3), False)
bn_case("batch_norm/eval_4d", rnd(2, 3, 2, 3), False)
bn_case("batch_norm/eval_no_affine_f64", rnd(3, 2, 4, dtype=torch.float64), False, affine=False)
fx.write()
