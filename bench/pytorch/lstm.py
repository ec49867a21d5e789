# Ember's PyTorch reference workload, adapted from the project's anchor benchmarks
# (shared/bench/lstm.py). Workloads, measurements and JSON lines are unchanged, so
# that `ember bench --json` lines compare with these one to one (bench/compare).
"""nn.LSTM(input 64, hidden 256, 1 layer), seq len 50, batch 64 (seq-first), float32.

Reports forward (no grad) and forward+backward time per step (median of 7 samples).
Backward is driven by a fixed random gradient on the output sequence; the input needs no grad.
"""
from common import emit, time_fn, torch  # first: sets threads, finds torch

T, B, I, H = 50, 64, 64, 256
torch.manual_seed(0)
lstm = torch.nn.LSTM(I, H, num_layers=1)
x = torch.randn(T, B, I)
gy = torch.randn(T, B, H)
cfg = {"input": I, "hidden": H, "layers": 1, "seq_len": T, "batch": B}


def fwd():
    with torch.no_grad():
        lstm(x)


def fwd_bwd():
    lstm.zero_grad(set_to_none=True)
    out, _ = lstm(x)
    out.backward(gy)


# FLOPs of the gate GEMMs only: 2*T*B*(I+H)*4H forward; backward ~2x that.
gate_flops = 2.0 * T * B * (I + H) * 4 * H
for phase, fn, flops in (("forward", fwd, gate_flops), ("forward_backward", fwd_bwd, 3 * gate_flops)):
    times = sorted(time_fn(fn))
    ms = [t * 1e3 for t in times]
    emit("lstm_" + phase, cfg, "time_per_step", ms[len(ms) // 2], "ms", min=ms[0], max=ms[-1],
         gate_gflops=flops / 1e9 / times[len(times) // 2])
