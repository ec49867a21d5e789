# Ember's PyTorch reference workload, adapted from the project's anchor benchmarks
# (shared/bench/common.py). Workloads, measurements and JSON lines are unchanged, so
# that `ember bench --json` lines compare with these one to one (bench/compare).
"""Shared helpers for the anchor benchmarks: thread setup, JSON output, timing.

Every measurement is printed as one JSON line:
  {"name", "config", "metric", "value", "unit", ...extra fields, "load1"}
"load1" is the 1-minute load average when the line was printed, and "others_cpus" the
average number of CPUs busy with *other* processes during the measurement (since the
last mark(); the machine is shared: ~0 means undisturbed, up to 2.0 on 2 CPUs).
Set ANCHOR_THREADS to override the thread count (default 2).
Set ANCHOR_DEVICE=cuda to run the workloads on the GPU (adaptation for Ember's CUDA
backend): the python3 that runs the script is used as it is (no re-exec, no BLAS or malloc
set-up), timings wait for the GPU (sync()), and every line carries "device".
"""
import json
import os
import statistics
import sys
import time

THREADS = int(os.environ.get("ANCHOR_THREADS", "2"))
DEVICE = os.environ.get("ANCHOR_DEVICE", "cpu")
# BLAS used by torch (BLAS_INFO=generic: libblas.so.3) and numpy. Default: the OpenMP build
# of OpenBLAS (Debian package libopenblas0-openmp), which shares libgomp's thread pool with
# torch. The pthread build's spinning workers fight torch's OpenMP threads on 2 cores
# (LSTM fwd+bwd 54 ms -> 90..400 ms). ANCHOR_BLAS_DIR="" keeps the system alternative.
BLAS_DIR = os.environ.get("ANCHOR_BLAS_DIR", "/usr/lib/x86_64-linux-gnu/openblas-openmp")
# glibc malloc: by default freed blocks >= the (dynamic) mmap threshold and the top of the
# heap go back to the OS, so PyTorch's large activation tensors are page-faulted in again on
# every step (conv 128x1x28x28->32: 9.5 ms instead of 0.8 ms, depending on heap state).
# Keep blocks up to 32 MiB on the heap and never trim. ANCHOR_MALLOC=default disables this.
MALLOC_TUNABLES = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=17179869184"


def _reexec():
    """Debian's python3-torch is visible only to /usr/bin/python3 (not e.g. pyenv's python3),
    and LD_LIBRARY_PATH must be set before the process starts: re-exec once if needed."""
    env = dict(os.environ, ANCHOR_REEXEC="1")
    if BLAS_DIR and os.path.isdir(BLAS_DIR):
        env["LD_LIBRARY_PATH"] = BLAS_DIR + ":" + os.environ.get("LD_LIBRARY_PATH", "")
    if os.environ.get("ANCHOR_MALLOC") != "default" and "GLIBC_TUNABLES" not in os.environ:
        env["GLIBC_TUNABLES"] = MALLOC_TUNABLES
    os.execve("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv, env)


if os.environ.get("ANCHOR_REEXEC") != "1" and DEVICE == "cpu":
    _reexec()
# OpenBLAS reads these when loaded (the OpenMP build also follows OMP_NUM_THREADS).
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(THREADS))
os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))

import torch  # noqa: E402

torch.set_num_threads(THREADS)


def sync():
    """Waits for the device's queued work (a no-op on the CPU)."""
    if DEVICE.startswith("cuda"):
        torch.cuda.synchronize()


def loaded_blas():
    """Path of the BLAS library actually mapped into this process."""
    import numpy  # noqa: F401  (make sure numpy's BLAS is loaded too)
    with open("/proc/self/maps") as f:
        libs = {line.split()[-1] for line in f if "blas" in line.split()[-1]}
    return sorted(libs)


BLAS_TAG = ",".join(sorted({os.path.basename(os.path.dirname(p)) for p in loaded_blas()}))


def _cpu_snapshot():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    busy = (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / os.sysconf("SC_CLK_TCK")
    t = os.times()
    return time.perf_counter(), busy, t.user + t.system


_mark = _cpu_snapshot()


def mark():
    """Start of a measurement interval for the "others_cpus" field."""
    global _mark
    _mark = _cpu_snapshot()


def others_cpus():
    """Average number of CPUs used by other processes since the last mark()."""
    wall, busy, own = (a - b for a, b in zip(_cpu_snapshot(), _mark))
    return max(0.0, (busy - own) / wall) if wall > 0 else 0.0


def emit(name, config, metric, value, unit, **extra):
    rec = {"name": name, "config": config, "metric": metric,
           "value": round(value, 5) if isinstance(value, float) else value, "unit": unit}
    for k, v in extra.items():
        rec[k] = round(v, 5) if isinstance(v, float) else v
    with open("/proc/loadavg") as f:
        rec["load1"] = float(f.read().split()[0])
    rec["others_cpus"] = round(others_cpus(), 2)
    if DEVICE != "cpu":
        rec["device"] = DEVICE
    rec["blas"] = BLAS_TAG
    tun = os.environ.get("GLIBC_TUNABLES", "")
    rec["malloc"] = "tuned" if tun == MALLOC_TUNABLES else (tun or "glibc default")
    print(json.dumps(rec), flush=True)


def time_fn(fn, samples=7, warmup=3, min_time=0.05):
    """Seconds per call of fn(): `samples` timed samples, each repeating fn enough
    times to last >= min_time seconds. Returns the list of per-call times."""
    mark()
    for _ in range(warmup):
        fn()
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        if time.perf_counter() - t0 >= min_time:
            break
        n *= 2
    out = []
    for _ in range(samples):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        out.append((time.perf_counter() - t0) / n)
    return out


def rate_stats(work, times):
    """work/time for the median, fastest and slowest sample: (median, min, max)."""
    return work / statistics.median(times), work / max(times), work / min(times)


def rss_mb():
    """Current resident set size in MiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb():
    """Peak resident set size of this process in MiB (VmHWM)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


# From Debian package dataset-fashion-mnist; $FMNIST_DIR overrides (adaptation for Ember).
FMNIST_DIR = os.environ.get("FMNIST_DIR", "/usr/share/datasets/fashion-mnist")


def load_fashion_mnist():
    """Returns (x_train, y_train, x_test, y_test); x float32 in [0,1], shape (n, 784)."""
    import gzip
    import numpy as np

    def images(fn):
        with gzip.open(os.path.join(FMNIST_DIR, fn)) as f:
            data = np.frombuffer(f.read(), np.uint8, offset=16)
        return torch.from_numpy(data.reshape(-1, 784).astype(np.float32) / 255.0)

    def labels(fn):
        with gzip.open(os.path.join(FMNIST_DIR, fn)) as f:
            data = np.frombuffer(f.read(), np.uint8, offset=8)
        return torch.from_numpy(data.astype(np.int64))

    return (images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz"),
            images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz"))
