"""Golden fixtures for pooling (ops_pool.go).

Args: kernel, stride, padding, dilation (lists), ceil_mode,
count_include_pad, divisor_override; out (adaptive output size).
"""
import torch
import torch.nn.functional as F

from golden import Fixture, rnd

fx = Fixture("pool")


def lst(v):
    return None if v is None else ([v] if isinstance(v, int) else list(v))


def pool_args(kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, count_include_pad=True, divisor_override=None):
    a = {"kernel": lst(kernel_size), "padding": lst(padding), "ceil_mode": ceil_mode}
    if stride is not None:
        a["stride"] = lst(stride)
    if dilation != 1:
        a["dilation"] = lst(dilation)
    if not count_include_pad:
        a["exclude_pad"] = True
    if divisor_override:
        a["divisor_override"] = divisor_override
    return a


def distinct(*shape, dtype=torch.float32):
    """Values without ties (a random permutation), so argmax is unambiguous."""
    n = 1
    for s in shape:
        n *= s
    return (torch.randperm(n).to(torch.float64) / n * 4 - 2).reshape(shape).to(dtype)


def max_case(name, op, fn, x, noncontiguous=False, **kw):
    fx.case(name, op, [x], lambda t: fn(t, return_indices=True, **kw), args=pool_args(**kw),
            multi=True, noncontiguous=noncontiguous)


# max_pool2d: values and indices, gradients scattered to the argmax.
max_case("max_pool2d/k2", "max_pool2d", F.max_pool2d, distinct(2, 3, 6, 6), kernel_size=2)
max_case("max_pool2d/k3s1p1", "max_pool2d", F.max_pool2d, distinct(1, 2, 5, 5), kernel_size=3, stride=1, padding=1)
max_case("max_pool2d/k3s2_odd", "max_pool2d", F.max_pool2d, distinct(2, 2, 7, 6), kernel_size=3, stride=2)
max_case("max_pool2d/rect", "max_pool2d", F.max_pool2d, distinct(1, 2, 6, 7), kernel_size=(2, 3), stride=(2, 1), padding=(1, 1))
max_case("max_pool2d/dilation", "max_pool2d", F.max_pool2d, distinct(1, 2, 7, 7), kernel_size=3, stride=2, dilation=2, padding=1)
max_case("max_pool2d/ceil", "max_pool2d", F.max_pool2d, distinct(1, 2, 5, 5), kernel_size=2, stride=2, ceil_mode=True)
max_case("max_pool2d/ceil_pad", "max_pool2d", F.max_pool2d, distinct(1, 1, 6, 5), kernel_size=3, stride=2, padding=1, ceil_mode=True)
max_case("max_pool2d/unbatched", "max_pool2d", F.max_pool2d, distinct(3, 4, 4), kernel_size=2)
max_case("max_pool2d/noncontig", "max_pool2d", F.max_pool2d, distinct(2, 3, 5, 4), kernel_size=2, stride=1, noncontiguous=True)
max_case("max_pool2d/f64", "max_pool2d", F.max_pool2d, distinct(1, 2, 4, 6, dtype=torch.float64), kernel_size=(2, 3), stride=(1, 2))
max_case("max_pool2d/overlap_shared_max", "max_pool2d", F.max_pool2d, distinct(1, 1, 5, 5), kernel_size=3, stride=1)
max_case("max_pool2d/empty_batch", "max_pool2d", F.max_pool2d, torch.zeros(0, 2, 4, 4), kernel_size=2)
special = torch.tensor([[[[1.0, float("nan"), 2.0, 0.0], [0.5, -1.0, float("inf"), 3.0],
                          [float("-inf"), float("-inf"), 1.0, 2.0], [float("-inf"), float("-inf"), 4.0, -3.0]]]])
fx.case("max_pool2d/nan_inf", "max_pool2d", [special], lambda t: F.max_pool2d(t, 2, return_indices=True),
        args=pool_args(2), multi=True, grad=False)
max_case("max_pool1d/k2", "max_pool1d", F.max_pool1d, distinct(2, 3, 8), kernel_size=2)
max_case("max_pool1d/k3s2p1_ceil", "max_pool1d", F.max_pool1d, distinct(2, 2, 9), kernel_size=3, stride=2, padding=1, ceil_mode=True)
max_case("max_pool1d/dilation_unbatched", "max_pool1d", F.max_pool1d, distinct(3, 10), kernel_size=3, dilation=2, stride=1)


def avg_case(name, op, fn, x, noncontiguous=False, grad=True, **kw):
    fx.case(name, op, [x], lambda t: fn(t, **kw), args=pool_args(**kw),
            noncontiguous=noncontiguous, grad=grad)


avg_case("avg_pool2d/k2", "avg_pool2d", F.avg_pool2d, rnd(2, 3, 6, 6), kernel_size=2)
avg_case("avg_pool2d/k3s2p1", "avg_pool2d", F.avg_pool2d, rnd(1, 2, 7, 6), kernel_size=3, stride=2, padding=1)
avg_case("avg_pool2d/exclude_pad", "avg_pool2d", F.avg_pool2d, rnd(1, 2, 7, 6), kernel_size=3, stride=2, padding=1, count_include_pad=False)
avg_case("avg_pool2d/ceil", "avg_pool2d", F.avg_pool2d, rnd(1, 2, 5, 5), kernel_size=2, stride=2, ceil_mode=True)
avg_case("avg_pool2d/ceil_pad_include", "avg_pool2d", F.avg_pool2d, rnd(1, 2, 6, 5), kernel_size=3, stride=2, padding=1, ceil_mode=True)
avg_case("avg_pool2d/ceil_pad_exclude", "avg_pool2d", F.avg_pool2d, rnd(1, 2, 6, 5), kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
avg_case("avg_pool2d/ceil_overhang", "avg_pool2d", F.avg_pool2d, rnd(1, 1, 5, 7), kernel_size=(2, 4), stride=(3, 2), padding=(1, 2), ceil_mode=True)
avg_case("avg_pool2d/divisor_override", "avg_pool2d", F.avg_pool2d, rnd(2, 2, 5, 5), kernel_size=3, stride=1, padding=1, divisor_override=5)
avg_case("avg_pool2d/rect", "avg_pool2d", F.avg_pool2d, rnd(1, 3, 6, 7), kernel_size=(3, 2), stride=(1, 2))
avg_case("avg_pool2d/unbatched", "avg_pool2d", F.avg_pool2d, rnd(3, 4, 4), kernel_size=2)
avg_case("avg_pool2d/noncontig_f64", "avg_pool2d", F.avg_pool2d, rnd(2, 2, 5, 6, dtype=torch.float64), kernel_size=2, stride=1, padding=1, noncontiguous=True)
avg_case("avg_pool2d/int64", "avg_pool2d", F.avg_pool2d, torch.arange(-20, 30).reshape(1, 2, 5, 5), kernel_size=2, grad=False)
avg_case("avg_pool2d/empty_batch", "avg_pool2d", F.avg_pool2d, torch.zeros(0, 2, 4, 4), kernel_size=2)
avg_case("avg_pool2d/nan", "avg_pool2d", F.avg_pool2d, special, kernel_size=2, grad=False)
avg_case("avg_pool1d/k3", "avg_pool1d", F.avg_pool1d, rnd(2, 3, 9), kernel_size=3)
avg_case("avg_pool1d/ceil_pad_exclude", "avg_pool1d", F.avg_pool1d, rnd(2, 2, 8), kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
avg_case("avg_pool1d/unbatched", "avg_pool1d", F.avg_pool1d, rnd(3, 7), kernel_size=2, stride=1)

for name, x, out in [("divisible", rnd(2, 3, 6, 8), (3, 4)), ("uneven", rnd(1, 2, 7, 5), (3, 2)),
                     ("upsample", rnd(1, 2, 3, 2), (5, 4)), ("global", rnd(2, 3, 5, 4), (1, 1)),
                     ("unbatched", rnd(3, 5, 6), (4, 4)), ("same", rnd(1, 2, 3, 3), (3, 3))]:
    fx.case("adaptive_avg_pool2d/" + name, "adaptive_avg_pool2d", [x], lambda t: F.adaptive_avg_pool2d(t, out),
            args={"out": list(out)})
fx.case("adaptive_avg_pool2d/noncontig_f64", "adaptive_avg_pool2d", [rnd(2, 3, 7, 6, dtype=torch.float64)],
        lambda t: F.adaptive_avg_pool2d(t, (4, 5)), args={"out": [4, 5]}, noncontiguous=True)
for name, x, out in [("uneven", rnd(2, 3, 10), 4), ("upsample", rnd(1, 2, 3), 7), ("unbatched", rnd(3, 9), 2)]:
    fx.case("adaptive_avg_pool1d/" + name, "adaptive_avg_pool1d", [x], lambda t: F.adaptive_avg_pool1d(t, out),
            args={"out": [out]})
fx.write()
