"""Golden fixtures for mixed precision (autocast.go).

Each case runs one op inside ember.Autocast(dtype) (args "dtype") and records
what PyTorch's CUDA autocast computes for it. PyTorch 1.13 on the CPU cannot
run CUDA autocast (and its CPU autocast has other op lists and no float16),
so the CUDA policies are reproduced with explicit casts, which is what
autocast does:

  lower    float32 inputs are cast to the autocast dtype, the op computes in
           float32 (tensor cores accumulate in float32) and the result is
           rounded to the autocast dtype;
  fp32     16-bit inputs are cast to float32 and the op runs in float32;
  promote  inputs are cast to the widest floating dtype among them;
  other    the op runs unchanged in its inputs' dtype.

Where PyTorch's CPU autocast covers an op with bfloat16 (matmul, mm, bmm,
linear, conv1d, conv2d, einsum through bmm), the script checks that the
explicit casts agree with torch.autocast("cpu") before writing the case.

Run: /usr/bin/python3 testdata/gen/autocast.py
"""
import math

import torch
import torch.nn.functional as F

from golden import Fixture, rnd

fx = Fixture("autocast")
BF16, F16 = torch.bfloat16, torch.float16
NAMES = {BF16: "bfloat16", F16: "float16"}
# One rounding to 16 bits, plus Ember rounding a biased product twice
# (product, then bias), on values of order 1-10.
TOL = {BF16: (2e-2, 3e-2), F16: (3e-3, 4e-3)}
CPU_AUTOCAST = {"matmul", "matmul_batched", "mm", "bmm", "linear", "linear_nobias", "einsum", "conv1d", "conv2d"}


def lower(fn, dt):
    """fn under CUDA autocast's lower_precision_fp policy."""
    def run(*xs):
        ys = [x.to(dt).float() if x.is_floating_point() and x.dtype == torch.float32 else x for x in xs]
        return fn(*ys).to(dt)
    return run


def fp32(fn):
    """fn under the fp32 policy."""
    def run(*xs):
        return fn(*[x.float() if x.is_floating_point() and x.dtype != torch.float64 else x for x in xs])
    return run


def case_lower(name, inputs, fn, args=None, noncontiguous=False):
    for dt in (BF16, F16):
        ref = lower(fn, dt)
        if dt == BF16 and name in CPU_AUTOCAST:
            with torch.no_grad():
                with torch.autocast("cpu", dtype=BF16):
                    real = fn(*inputs)
                emu = ref(*inputs)
            assert real.dtype == BF16, (name, real.dtype)
            # PyTorch's CPU bfloat16 kernels may round partial sums to 16
            # bits, so agreement is checked against the output's scale.
            scale = emu.float().abs().max().item()
            assert torch.allclose(real.float(), emu.float(), rtol=0, atol=0.02 * scale), name
        a = dict(args or {}, dtype=NAMES[dt])
        rtol, atol = TOL[dt]
        fx.case(f"{name}/{NAMES[dt]}" + ("_noncontig" if noncontiguous else ""), "autocast_" + name, inputs, ref,
                args=a, rtol=rtol, atol=atol, noncontiguous=noncontiguous)


def case_fp32(name, inputs, fn, half=None, grad_inputs=None):
    """The float32 inputs listed in half (all by default) are rounded to the
    autocast dtype to stand for 16-bit activations; the others stay float32
    (parameters, targets)."""
    for dt in (BF16, F16):
        xs = [x.to(dt) if x.dtype == torch.float32 and (half is None or i in half) else x for i, x in enumerate(inputs)]
        fx.case(f"{name}/{NAMES[dt]}", "autocast_" + name, xs, fp32(fn), args={"dtype": NAMES[dt]}, rtol=1e-4, atol=1e-5,
                grad_inputs=grad_inputs)


# lower_precision_fp: matrix products and convolutions, float32 inputs.
case_lower("matmul", [rnd(3, 4), rnd(4, 5)], torch.matmul)
case_lower("matmul", [rnd(3, 4), rnd(4, 5)], torch.matmul, noncontiguous=True)
case_lower("matmul_batched", [rnd(2, 3, 4), rnd(4, 5)], torch.matmul)
case_lower("mm", [rnd(3, 4), rnd(4, 2)], torch.mm)
case_lower("bmm", [rnd(2, 3, 4), rnd(2, 4, 5)], torch.bmm)
case_lower("linear", [rnd(2, 3, 4), rnd(5, 4), rnd(5)], F.linear)
case_lower("linear_nobias", [rnd(3, 4), rnd(5, 4)], F.linear)
# A weight used twice in one scope: one cached copy, gradients add up.
case_lower("linear_shared_weight", [rnd(3, 4), rnd(2, 4), rnd(5, 4)],
           lambda x1, x2, w: torch.cat([F.linear(x1, w), F.linear(x2, w)], 0))
case_lower("einsum", [rnd(2, 3, 4), rnd(2, 4, 5)], lambda a, b: torch.einsum("bij,bjk->bik", a, b))


def sdpa(q, k, v):
    """F.scaled_dot_product_attention (PyTorch >= 2.0; this is 1.13): its math."""
    return torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.size(-1)), -1) @ v


case_lower("scaled_dot_product_attention", [rnd(1, 2, 3, 4), rnd(1, 2, 5, 4), rnd(1, 2, 5, 3)], sdpa)
case_lower("conv1d", [rnd(2, 3, 8), rnd(4, 3, 3), rnd(4)], lambda x, w, b: F.conv1d(x, w, b, padding=1))
case_lower("conv2d", [rnd(2, 3, 6, 6), rnd(4, 3, 3, 3), rnd(4)], lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1))
case_lower("conv_transpose1d", [rnd(2, 3, 5), rnd(3, 4, 3), rnd(4)], lambda x, w, b: F.conv_transpose1d(x, w, b, stride=2))
case_lower("conv_transpose2d", [rnd(1, 3, 4, 4), rnd(3, 2, 3, 3), rnd(2)],
           lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1))

# fp32: 16-bit inputs are computed in float32 and give float32.
pos = dict(lo=0.2, hi=3.0)
case_fp32("exp", [rnd(3, 4)], torch.exp)
case_fp32("expm1", [rnd(3, 4)], torch.expm1)
case_fp32("log", [rnd(3, 4, **pos)], torch.log)
case_fp32("log2", [rnd(3, 4, **pos)], torch.log2)
case_fp32("log1p", [rnd(3, 4, **pos)], torch.log1p)
case_fp32("reciprocal", [rnd(3, 4, **pos)], torch.reciprocal)
case_fp32("rsqrt", [rnd(3, 4, **pos)], torch.rsqrt)
case_fp32("tan", [rnd(3, 4, lo=-1.0, hi=1.0)], torch.tan)
case_fp32("softplus", [rnd(3, 4)], F.softplus)
case_fp32("pow", [rnd(3, 4, **pos), rnd(3, 4)], torch.pow)
case_fp32("pow_scalar", [rnd(3, 4, **pos)], lambda x: torch.pow(x, 2.5))
case_fp32("rpow_scalar", [rnd(3, 4)], lambda x: torch.pow(1.5, x))
case_fp32("softmax", [rnd(3, 5, lo=-4.0, hi=4.0)], lambda x: torch.softmax(x, -1))
case_fp32("log_softmax", [rnd(3, 5, lo=-4.0, hi=4.0)], lambda x: torch.log_softmax(x, 1))
case_fp32("sum", [rnd(3, 4)], torch.sum)
case_fp32("sum_axis", [rnd(3, 4)], lambda x: torch.sum(x, -1, keepdim=True))
case_fp32("prod", [rnd(2, 3, lo=0.5, hi=1.5)], lambda x: torch.prod(x, 1))
case_fp32("cumsum", [rnd(3, 4)], lambda x: torch.cumsum(x, 1))
case_fp32("cumprod", [rnd(3, 4, lo=0.5, hi=1.5)], lambda x: torch.cumprod(x, 0))
case_fp32("norm", [rnd(3, 4)], lambda x: torch.norm(x, 2, dim=1))
case_fp32("logsumexp", [rnd(3, 4)], lambda x: torch.logsumexp(x, 1))
case_fp32("interpolate", [rnd(1, 2, 3, 3)], lambda x: F.interpolate(x, size=(5, 4), mode="bilinear", align_corners=False))
# Normalisations: a 16-bit activation with float32 parameters.
case_fp32("layer_norm", [rnd(2, 3, 4), rnd(4), rnd(4)], lambda x, w, b: F.layer_norm(x, [4], w, b, 1e-5), half=[0])
case_fp32("group_norm", [rnd(2, 4, 3), rnd(4), rnd(4)], lambda x, w, b: F.group_norm(x, 2, w, b, 1e-5), half=[0])
case_fp32("batch_norm", [rnd(4, 3, 2), rnd(3), rnd(3)],
          lambda x, w, b: F.batch_norm(x, torch.zeros(3), torch.ones(3), w, b, True, 0.1, 1e-5), half=[0])
case_fp32("rms_norm", [rnd(2, 3, 4), rnd(4)],
          lambda x, w: x * torch.rsqrt(x.square().mean(-1, keepdim=True) + 1e-6) * w, half=[0])
# Losses: a 16-bit prediction against a float32 target.
case_fp32("mse_loss", [rnd(3, 4), rnd(3, 4)], F.mse_loss, half=[0])
case_fp32("l1_loss", [rnd(3, 4), rnd(3, 4)], F.l1_loss, half=[0])
case_fp32("smooth_l1_loss", [rnd(3, 4), rnd(3, 4)], lambda x, y: F.smooth_l1_loss(x, y, beta=0.5), half=[0])
case_fp32("huber_loss", [rnd(3, 4), rnd(3, 4)], lambda x, y: F.huber_loss(x, y, delta=0.7), half=[0])
case_fp32("binary_cross_entropy", [rnd(3, 4, lo=0.05, hi=0.95), rnd(3, 4, lo=0.0, hi=1.0)], F.binary_cross_entropy,
          half=[0], grad_inputs=[0])
case_fp32("binary_cross_entropy_with_logits", [rnd(3, 4), rnd(3, 4, lo=0.0, hi=1.0)], F.binary_cross_entropy_with_logits,
          half=[0])
case_fp32("kl_div", [torch.log_softmax(rnd(3, 4), 1), torch.softmax(rnd(3, 4), 1)],
          lambda x, y: F.kl_div(x, y, reduction="batchmean"), half=[0])
case_fp32("margin_ranking_loss", [rnd(5), rnd(5), torch.tensor([1.0, -1.0, 1.0, 1.0, -1.0])],
          lambda a, b, y: F.margin_ranking_loss(a, b, y, margin=0.2), half=[0, 1], grad_inputs=[0, 1])
case_fp32("cosine_embedding_loss", [rnd(3, 5), rnd(3, 5), torch.tensor([1.0, -1.0, 1.0])],
          lambda a, b, y: F.cosine_embedding_loss(a, b, y, margin=0.1), half=[0, 1], grad_inputs=[0, 1])
case_fp32("nll_loss", [torch.log_softmax(rnd(4, 3), 1), torch.tensor([0, 2, 1, 2])], F.nll_loss)
case_fp32("cross_entropy", [rnd(4, 3, lo=-3.0, hi=3.0), torch.tensor([0, 2, 1, 2])], F.cross_entropy)

# promote: the widest floating dtype among the inputs.
for dt in (BF16, F16):
    fx.case(f"dot/{NAMES[dt]}", "autocast_dot", [rnd(5).to(dt), rnd(5)], lambda a, b: torch.dot(a.float(), b),
            args={"dtype": NAMES[dt]}, rtol=1e-4, atol=1e-5)
    fx.case(f"dot_same/{NAMES[dt]}", "autocast_dot", [rnd(5).to(dt), rnd(5).to(dt)],
            lambda a, b: torch.dot(a.float(), b.float()).to(dt), args={"dtype": NAMES[dt]}, rtol=1e-2, atol=2e-2, grad=False)
    fx.case(f"scatter_add/{NAMES[dt]}", "autocast_scatter_add",
            [rnd(2, 4).to(dt), torch.tensor([[0, 1, 3], [2, 2, 0]]), rnd(2, 3)],
            lambda t, i, s: t.float().scatter_add(1, i, s), args={"dtype": NAMES[dt]}, rtol=1e-4, atol=1e-5)

# Ops of no list keep their inputs' dtype.
for dt in (BF16, F16):
    a = {"dtype": NAMES[dt]}
    fx.case(f"gelu/{NAMES[dt]}", "autocast_gelu", [rnd(3, 4).to(dt)], lambda x: F.gelu(x.float()).to(dt), args=a,
            rtol=1e-2, atol=1e-2, grad=False)
    fx.case(f"mean/{NAMES[dt]}", "autocast_mean", [rnd(3, 4).to(dt)], lambda x: x.float().mean(1).to(dt), args=a,
            rtol=1e-2, atol=1e-2, grad=False)
    fx.case(f"relu/{NAMES[dt]}", "autocast_relu", [rnd(3, 4)], torch.relu, args=a)

# Float64 is never converted.
fx.case("matmul/float64", "autocast_matmul", [rnd(3, 4, dtype=torch.float64), rnd(4, 2, dtype=torch.float64)],
        torch.matmul, args={"dtype": "bfloat16"}, rtol=1e-12, atol=1e-12)
fx.case("exp/float64", "autocast_exp", [rnd(3, dtype=torch.float64)], torch.exp, args={"dtype": "float16"},
        rtol=1e-12, atol=1e-12)
# Autocast(float32) disables autocast.
fx.case("matmul/disabled", "autocast_matmul", [rnd(3, 4), rnd(4, 2)], torch.matmul, args={"dtype": "float32"})
fx.write()
