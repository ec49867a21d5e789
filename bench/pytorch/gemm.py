# Ember's PyTorch reference workload, adapted from the project's anchor benchmarks
# (shared/bench/gemm.py). Workloads, measurements and JSON lines are unchanged, so
# that `ember bench --json` lines compare with these one to one (bench/compare).
"""GEMM throughput: torch.mm and numpy.dot, GFLOP/s = 2*M*N*K / time (median of 7 samples).

Usage: python3 gemm.py [--quick]   (--quick: only a few shapes, for slow BLAS builds)
"""
import sys

from common import emit, rate_stats, time_fn, torch  # first: sets threads, finds torch

import numpy as np

SQUARE = [64, 128, 256, 512, 1024, 2048]
# (M, K, N) shapes typical of the MLP/CNN/GPT workloads
NN_SHAPES = [(128, 784, 512), (128, 512, 10), (512, 128, 784), (4096, 128, 128), (64, 768, 3072)]


def run(M, K, N, dtype, layout="NN", libs=("torch", "numpy")):
    torch.manual_seed(0)
    tdt = {"float32": torch.float32, "float64": torch.float64}[dtype]
    # layout TN: A is the transpose of a contiguous (K, M) matrix, as in a weight-gradient dY^T @ X
    a = torch.randn(K, M, dtype=tdt).t() if layout == "TN" else torch.randn(M, K, dtype=tdt)
    b = torch.randn(K, N, dtype=tdt)
    an, bn = a.numpy(), b.numpy()
    fns = {"torch": lambda: torch.mm(a, b), "numpy": lambda: np.dot(an, bn)}
    for lib in libs:
        med, lo, hi = rate_stats(2.0 * M * N * K / 1e9, time_fn(fns[lib]))
        emit("gemm", {"lib": lib, "M": M, "K": K, "N": N, "dtype": dtype, "layout": layout},
             "throughput", med, "GFLOP/s", min=lo, max=hi)


if __name__ == "__main__":
    if "--quick" in sys.argv:
        for n in (256, 1024):
            run(n, n, n, "float32")
        sys.exit(0)
    for n in SQUARE:
        run(n, n, n, "float32")
    for M, K, N in NN_SHAPES:
        run(M, K, N, "float32")
    run(512, 128, 784, "float32", layout="TN")
    run(1024, 1024, 1024, "float64")
