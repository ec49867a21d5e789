"""Golden fixtures for the convolutions (ops_conv.go).

Args mirror torch.nn.functional: stride, padding (a list, or the string
"same"/"valid"), dilation, groups, output_padding. A third input, when
present, is the bias.
"""
import torch
import torch.nn.functional as F

from golden import Fixture, rnd

fx = Fixture("conv")


def conv_args(stride=1, padding=0, dilation=1, groups=1, output_padding=None):
    a = {"stride": [stride] if isinstance(stride, int) else list(stride),
         "dilation": [dilation] if isinstance(dilation, int) else list(dilation),
         "groups": groups}
    if isinstance(padding, str):
        a["padding_preset"] = padding
    else:
        a["padding"] = [padding] if isinstance(padding, int) else list(padding)
    if output_padding is not None:
        a["output_padding"] = [output_padding] if isinstance(output_padding, int) else list(output_padding)
    return a


def conv_case(name, op, fn, x, w, b=None, noncontiguous=False, dtype=torch.float32, **kw):
    ins = [x.to(dtype), w.to(dtype)] + ([b.to(dtype)] if b is not None else [])
    tol = {} if dtype == torch.float64 else dict(rtol=1e-4, atol=1e-5)
    fx.case(name, op, ins, lambda *t: fn(*t, **kw), args=conv_args(**kw),
            noncontiguous=noncontiguous, **tol)


# conv2d: x [N, C, H, W], w [O, C/g, KH, KW]
conv_case("conv2d/basic", "conv2d", F.conv2d, rnd(2, 3, 6, 5), rnd(4, 3, 3, 3), rnd(4))
conv_case("conv2d/no_bias", "conv2d", F.conv2d, rnd(2, 3, 5, 5), rnd(2, 3, 2, 2))
conv_case("conv2d/stride2", "conv2d", F.conv2d, rnd(2, 2, 7, 6), rnd(3, 2, 3, 3), rnd(3), stride=2)
conv_case("conv2d/stride_tuple_pad", "conv2d", F.conv2d, rnd(1, 2, 7, 8), rnd(3, 2, 3, 2), rnd(3), stride=(2, 3), padding=(1, 2))
conv_case("conv2d/padding1", "conv2d", F.conv2d, rnd(2, 3, 5, 4), rnd(2, 3, 3, 3), rnd(2), padding=1)
conv_case("conv2d/dilation2", "conv2d", F.conv2d, rnd(1, 2, 8, 7), rnd(2, 2, 3, 3), rnd(2), dilation=2, padding=1)
conv_case("conv2d/dilation_tuple", "conv2d", F.conv2d, rnd(1, 2, 8, 9), rnd(2, 2, 2, 3), None, dilation=(3, 2), stride=(1, 2))
conv_case("conv2d/groups2", "conv2d", F.conv2d, rnd(2, 4, 5, 5), rnd(6, 2, 3, 3), rnd(6), groups=2, padding=1)
conv_case("conv2d/depthwise", "conv2d", F.conv2d, rnd(2, 3, 6, 6), rnd(3, 1, 3, 3), rnd(3), groups=3, padding=1)
conv_case("conv2d/depthwise_multiplier", "conv2d", F.conv2d, rnd(1, 2, 5, 5), rnd(4, 1, 3, 3), None, groups=2, stride=2)
conv_case("conv2d/pointwise", "conv2d", F.conv2d, rnd(2, 3, 4, 4), rnd(5, 3, 1, 1), rnd(5))
conv_case("conv2d/same_odd", "conv2d", F.conv2d, rnd(1, 2, 5, 6), rnd(3, 2, 3, 3), rnd(3), padding="same")
conv_case("conv2d/same_even", "conv2d", F.conv2d, rnd(1, 2, 5, 5), rnd(3, 2, 2, 4), rnd(3), padding="same")
conv_case("conv2d/same_dilated", "conv2d", F.conv2d, rnd(1, 2, 7, 6), rnd(2, 2, 2, 3), None, padding="same", dilation=(3, 2))
conv_case("conv2d/valid", "conv2d", F.conv2d, rnd(1, 2, 5, 6), rnd(3, 2, 3, 3), rnd(3), padding="valid")
conv_case("conv2d/unbatched", "conv2d", F.conv2d, rnd(3, 5, 5), rnd(2, 3, 3, 3), rnd(2), padding=1)
conv_case("conv2d/noncontig", "conv2d", F.conv2d, rnd(2, 3, 5, 6), rnd(4, 3, 3, 2), rnd(4), noncontiguous=True, stride=(1, 2))
conv_case("conv2d/f64", "conv2d", F.conv2d, rnd(2, 2, 5, 5), rnd(3, 2, 3, 3), rnd(3), dtype=torch.float64, padding=1, stride=2)
conv_case("conv2d/kernel_equals_input", "conv2d", F.conv2d, rnd(2, 2, 3, 3), rnd(3, 2, 3, 3), rnd(3))
conv_case("conv2d/empty_batch", "conv2d", F.conv2d, rnd(0, 2, 4, 4), rnd(3, 2, 3, 3), rnd(3))
fx.case("conv2d/nan_propagates", "conv2d",
        [torch.tensor([[[[1.0, float("nan"), 2.0], [0.5, 1.0, -1.0], [2.0, 3.0, 4.0]]]]), rnd(1, 1, 2, 2)],
        lambda x, w: F.conv2d(x, w), args=conv_args(), grad=False)

# conv1d: x [N, C, L], w [O, C/g, K]
conv_case("conv1d/basic", "conv1d", F.conv1d, rnd(2, 3, 9), rnd(4, 3, 3), rnd(4))
conv_case("conv1d/stride_pad_dil", "conv1d", F.conv1d, rnd(2, 2, 11), rnd(3, 2, 3), rnd(3), stride=2, padding=2, dilation=2)
conv_case("conv1d/groups", "conv1d", F.conv1d, rnd(1, 4, 7), rnd(4, 1, 3), None, groups=4)
conv_case("conv1d/same_even", "conv1d", F.conv1d, rnd(2, 2, 7), rnd(3, 2, 4), rnd(3), padding="same")
conv_case("conv1d/unbatched", "conv1d", F.conv1d, rnd(3, 8), rnd(2, 3, 2), rnd(2))
conv_case("conv1d/noncontig_f64", "conv1d", F.conv1d, rnd(3, 2, 6), rnd(2, 2, 3), rnd(2), noncontiguous=True, dtype=torch.float64)

# conv_transpose2d: x [N, Cin, H, W], w [Cin, Cout/g, KH, KW]
conv_case("conv_transpose2d/basic", "conv_transpose2d", F.conv_transpose2d, rnd(2, 3, 4, 5), rnd(3, 2, 3, 3), rnd(2))
conv_case("conv_transpose2d/stride2", "conv_transpose2d", F.conv_transpose2d, rnd(1, 2, 3, 4), rnd(2, 3, 3, 3), rnd(3), stride=2)
conv_case("conv_transpose2d/output_padding", "conv_transpose2d", F.conv_transpose2d, rnd(2, 2, 3, 3), rnd(2, 2, 3, 2), rnd(2), stride=(2, 3), padding=1, output_padding=(1, 2))
conv_case("conv_transpose2d/dilation", "conv_transpose2d", F.conv_transpose2d, rnd(1, 2, 4, 3), rnd(2, 2, 2, 3), None, dilation=2, padding=(1, 0))
conv_case("conv_transpose2d/dilation_outpad", "conv_transpose2d", F.conv_transpose2d, rnd(1, 2, 3, 3), rnd(2, 1, 2, 2), None, dilation=3, output_padding=2)
conv_case("conv_transpose2d/groups", "conv_transpose2d", F.conv_transpose2d, rnd(2, 4, 3, 3), rnd(4, 3, 2, 2), rnd(6), groups=2, stride=2)
conv_case("conv_transpose2d/unbatched", "conv_transpose2d", F.conv_transpose2d, rnd(2, 3, 3), rnd(2, 2, 3, 3), rnd(2), padding=1)
conv_case("conv_transpose2d/noncontig_f64", "conv_transpose2d", F.conv_transpose2d, rnd(2, 2, 3, 4), rnd(2, 3, 2, 2), rnd(3), noncontiguous=True, dtype=torch.float64, stride=2)
conv_case("conv_transpose1d/basic", "conv_transpose1d", F.conv_transpose1d, rnd(2, 3, 5), rnd(3, 2, 3), rnd(2), stride=2, padding=1, output_padding=1)
conv_case("conv_transpose1d/groups_dil", "conv_transpose1d", F.conv_transpose1d, rnd(1, 4, 4), rnd(4, 1, 2), None, groups=2, dilation=2)


# Double backward against PyTorch: the op's result is the first gradient,
# and the fixture's gradients are second derivatives.
def grad_of(which, **kw):
    def f(x, w, gy):
        ins = [t if t.requires_grad else t.detach().requires_grad_() for t in (x, w)]
        y = F.conv2d(*ins, **kw)
        return torch.autograd.grad(y, ins[which], gy, create_graph=True)[0]
    return f


for which, name in [(0, "input"), (1, "weight")]:
    for tag, kw, xs, ws in [("plain", {}, (2, 2, 5, 5), (3, 2, 3, 3)),
                            ("strided_groups", dict(stride=2, padding=1, groups=2, dilation=(1, 2)), (1, 4, 6, 7), (2, 2, 3, 2))]:
        x, w = rnd(*xs, dtype=torch.float64), rnd(*ws, dtype=torch.float64)
        gy = torch.randn(F.conv2d(x, w, **kw).shape, dtype=torch.float64)
        fx.case(f"conv2d_grad_{name}/{tag}", f"conv2d_grad_{name}", [x, w, gy], grad_of(which, **kw),
                args=conv_args(**kw), grad_inputs=[1 - which, 2])
fx.write()
