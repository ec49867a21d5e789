# Ember's PyTorch reference for GPU matrix products: the same GEMMs, inputs and timing as
# Ember's gpucheck benchmark (backend/cuda/cmd/gpucheck), so the two compare line by line.
"""Square GEMMs on the GPU: float32 (TF32 off and on), bfloat16 and float16, inputs uniform
in [0, 1), torch.mm into a preallocated output. Each figure: 3 warm-up products, then the
mean of ITERS products between two device synchronisations.

Usage: ANCHOR_DEVICE=cuda python3 gemm_cuda.py [SIZES] [ITERS]   (default 4096,8192 20)
"""
import sys
import time

from common import DEVICE, emit, sync, torch

CASES = [("float32", torch.float32, False), ("float32_tf32", torch.float32, True),
         ("bfloat16", torch.bfloat16, False), ("float16", torch.float16, False)]


def main(sizes, iters):
    dev = DEVICE if DEVICE != "cpu" else "cuda"
    prev = torch.backends.cuda.matmul.allow_tf32
    for n in sizes:
        for name, dt, tf32 in CASES:
            torch.backends.cuda.matmul.allow_tf32 = tf32
            a = torch.rand(n, n, device=dev).to(dt)
            b = torch.rand(n, n, device=dev).to(dt)
            c = torch.empty(n, n, device=dev, dtype=dt)
            for _ in range(3):
                torch.mm(a, b, out=c)
            sync()
            t0 = time.perf_counter()
            for _ in range(iters):
                torch.mm(a, b, out=c)
            sync()
            t = (time.perf_counter() - t0) / iters
            emit("gemm_cuda", {"lib": "torch", "M": n, "K": n, "N": n, "dtype": name},
                 "throughput", 2 * n ** 3 / t / 1e12, "TFLOP/s", time_ms=t * 1e3,
                 gpu=torch.cuda.get_device_name(), torch=torch.__version__)
            del a, b, c
    torch.backends.cuda.matmul.allow_tf32 = prev


if __name__ == "__main__":
    sizes = [int(s) for s in sys.argv[1].split(",")] if len(sys.argv) > 1 else [4096, 8192]
    main(sizes, int(sys.argv[2]) if len(sys.argv) > 2 else 20)
