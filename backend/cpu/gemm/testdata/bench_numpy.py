"""Reference GEMM rates from numpy (OpenBLAS) for the shapes of BenchmarkSgemm.

Run with Debian's python and the OpenMP build of OpenBLAS on 2 threads:

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp OMP_NUM_THREADS=2 \
        /usr/bin/python3 testdata/bench_numpy.py [REPS]

Prints one line per shape: name, best and median GFLOP/s over REPS timed runs
(best-of is what a shared, noisy machine lets through undisturbed).
"""
import sys
import time

import numpy as np

REPS = int(sys.argv[1]) if len(sys.argv) > 1 else 7


def rate(madds, fn):
    fn()
    times = []
    for _ in range(REPS):
        inner = max(1, int(2e8 // madds))
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t0) / inner)
    times.sort()
    return 2 * madds / times[0] / 1e9, 2 * madds / times[len(times) // 2] / 1e9


def main():
    rng = np.random.default_rng(0)
    shapes = [(f"square-{n}", n, n, n, False) for n in (64, 128, 256, 512, 1024, 2048)]
    shapes += [("128x512x784", 128, 512, 784, False), ("128x10x512", 128, 10, 512, False),
               ("512x784x128-TN", 512, 784, 128, True), ("4096x128x128", 4096, 128, 128, False),
               ("64x3072x768", 64, 3072, 768, False)]
    for name, m, n, k, trans_a in shapes:
        a = rng.standard_normal((k, m), dtype=np.float32).T if trans_a else rng.standard_normal((m, k), dtype=np.float32)
        b = rng.standard_normal((k, n), dtype=np.float32)
        best, med = rate(m * n * k, lambda: np.dot(a, b))
        print(f"sgemm {name:16s} best {best:7.1f} median {med:7.1f} GFLOP/s", flush=True)
    for n in (256, 512, 1024):
        a = rng.standard_normal((n, n))
        b = rng.standard_normal((n, n))
        best, med = rate(n ** 3, lambda: np.dot(a, b))
        print(f"dgemm square-{n:<9d} best {best:7.1f} median {med:7.1f} GFLOP/s", flush=True)
    q = rng.standard_normal((64, 128, 32), dtype=np.float32)
    kk = rng.standard_normal((64, 128, 32), dtype=np.float32)
    p = rng.standard_normal((64, 128, 128), dtype=np.float32)
    best, med = rate(64 * 128 * 128 * 32, lambda: np.matmul(q, kk.transpose(0, 2, 1)))
    print(f"batched 64x128x128x32-QKt best {best:7.1f} median {med:7.1f} GFLOP/s", flush=True)
    best, med = rate(64 * 128 * 128 * 32, lambda: np.matmul(p, q))
    print(f"batched 64x128x32x128-PV  best {best:7.1f} median {med:7.1f} GFLOP/s", flush=True)


if __name__ == "__main__":
    main()
