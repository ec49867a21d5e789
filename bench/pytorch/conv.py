# Ember's PyTorch reference workload, adapted from the project's anchor benchmarks
# (shared/bench/conv.py). Workloads, measurements and JSON lines are unchanged, so
# that `ember bench --json` lines compare with these one to one (bench/compare).
"""conv2d forward and forward+backward (torch, float32, bias, stride 1, pad 1).

FLOPs: forward = 2*N*Cout*Hout*Wout*Cin*kh*kw. Backward adds one forward-sized GEMM for
the weight gradient and, when the input needs a gradient, one more for the input gradient
(so fwd+bwd = 2x or 3x forward; bias terms are ignored). Median of 7 samples.
"""
from common import emit, rate_stats, time_fn, torch  # first: sets threads, finds torch

import torch.nn.functional as F

# name, (N, Cin, H, W), Cout, kernel, input_grad
CASES = [
    ("fmnist_conv1", (128, 1, 28, 28), 32, 3, False),  # first layer: data input needs no grad
    ("fmnist_conv2", (128, 32, 14, 14), 64, 3, True),
    ("resnet_3x3", (32, 64, 32, 32), 64, 3, True),
]

for name, (N, C, H, W), Co, k, input_grad in CASES:
    torch.manual_seed(0)
    x = torch.randn(N, C, H, W)
    w = (torch.randn(Co, C, k, k) * 0.1).requires_grad_()
    b = torch.zeros(Co, requires_grad=True)
    gy = torch.randn(N, Co, H, W)
    xg = x.clone().requires_grad_(input_grad)
    fwd_flops = 2.0 * N * Co * H * W * C * k * k
    cfg = {"N": N, "Cin": C, "H": H, "W": W, "Cout": Co, "k": k, "pad": 1, "input_grad": input_grad}

    def fwd():
        with torch.no_grad():
            F.conv2d(x, w, b, padding=1)

    def fwd_bwd():
        w.grad = b.grad = xg.grad = None
        F.conv2d(xg, w, b, padding=1).backward(gy)

    for phase, fn, flops in (("forward", fwd, fwd_flops),
                             ("forward_backward", fwd_bwd, fwd_flops * (3 if input_grad else 2))):
        times = time_fn(fn)
        ms = sorted(t * 1e3 for t in times)
        emit("conv2d_" + phase, dict(cfg, case=name), "time", ms[len(ms) // 2], "ms",
             min=ms[0], max=ms[-1])
        med, lo, hi = rate_stats(flops / 1e9, times)
        emit("conv2d_" + phase, dict(cfg, case=name), "throughput", med, "GFLOP/s", min=lo, max=hi)
