# Ember's PyTorch reference for the GPU-sized language-model step: `ember bench --device cuda
# gpt2_small` runs the same model, data, optimizer and measurements.
"""GPT-2-small-shaped training step: the char-GPT architecture of gpt_char.py (pre-LayerNorm,
GELU (erf), learned positions, tied embeddings, biases, no dropout) with GPT-2 small's sizes:
12 layers, 12 heads, d=768, context 1024, vocabulary 50257 (124M parameters). Attention is
F.scaled_dot_product_attention(is_causal=True) (PyTorch's fused flash kernels), the step runs
under torch.autocast(bfloat16), AdamW(lr=3e-4, fused=True). Data: random tokens (a throughput
workload). Batch 8; 3 warm-up steps, then 10 timed steps (loss.item() each step).
MFU: (6·N + 12·L·C·T) FLOPs per token, N the parameters less the position embeddings (nanoGPT's
estimate_mfu), over the dense bfloat16 peak of an H100/H200 SXM (989 TFLOP/s).

Usage: ANCHOR_DEVICE=cuda python3 gpt2_small.py [BATCH] [STEPS]
With ANCHOR_PROFILE=FILE, two more steps run under torch.profiler and FILE gets the device time
of each kernel (the counterpart of `ember bench --device-profile`).
"""
import math
import os
import sys
import time

from common import DEVICE, emit, mark, sync, torch

import torch.nn as nn
import torch.nn.functional as F

L, H, C, T, V = 12, 12, 768, 1024, 50257
WARMUP, PEAK_TFLOPS = 3, 989.0


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(C), nn.LayerNorm(C)
        self.c_attn, self.c_proj = nn.Linear(C, 3 * C), nn.Linear(C, C)
        self.mlp = nn.Sequential(nn.Linear(C, 4 * C), nn.GELU(), nn.Linear(4 * C, C))

    def forward(self, x):
        B, Tx, _ = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=2)
        q, k, v = (t.view(B, Tx, H, C // H).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.c_proj(y.transpose(1, 2).contiguous().view(B, Tx, C))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(V, C), nn.Embedding(T, C)
        self.h = nn.ModuleList(Block() for _ in range(L))
        self.ln_f = nn.LayerNorm(C)
        self.lm_head = nn.Linear(C, V, bias=False)
        self.lm_head.weight = self.wte.weight
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight") or name.endswith("mlp.2.weight"):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * L))
            elif p.dim() == 2:
                nn.init.normal_(p, 0.0, 0.02)
            elif name.endswith("bias"):
                nn.init.zeros_(p)

    def forward(self, idx):
        x = self.wte(idx) + self.wpe(torch.arange(idx.size(1), device=idx.device))
        for block in self.h:
            x = block(x)
        return self.lm_head(self.ln_f(x))


def train_step(model, opt, batch, dev):
    """One AdamW step on random tokens under bfloat16 autocast; returns the loss."""
    x = torch.randint(0, V, (batch, T), device=dev)
    y = torch.randint(0, V, (batch, T), device=dev)
    with torch.autocast("cuda", dtype=torch.bfloat16):
        loss = F.cross_entropy(model(x).view(-1, V), y.view(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return loss


def main(batch, steps):
    torch.manual_seed(0)
    dev = DEVICE if DEVICE != "cpu" else "cuda"
    model = GPT().to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, fused=True)
    params = sum(p.numel() for p in model.parameters())
    fpt = 6 * (params - T * C) + 12 * L * C * T
    cfg = {"n_layer": L, "n_head": H, "n_embd": C, "block_size": T, "vocab": V, "batch": batch,
           "dtype": "bfloat16", "steps": steps, "params": params}
    losses = []
    mark()
    for step in range(1, steps + 1):
        losses.append(train_step(model, opt, batch, dev).item())
        if step == WARMUP:
            sync()
            t0 = time.perf_counter()
    sync()
    dt = time.perf_counter() - t0
    timed = steps - WARMUP
    tps = timed * batch * T / dt
    emit("gpt2_small", cfg, "train_throughput", tps, "tokens/s", step_ms=dt / timed * 1e3,
         note="steps after the first %d; random tokens" % WARMUP,
         peak_reserved_gib=torch.cuda.max_memory_reserved() / 2**30,
         peak_allocated_gib=torch.cuda.max_memory_allocated() / 2**30)
    emit("gpt2_small", cfg, "mfu", tps * fpt / (PEAK_TFLOPS * 1e12), "fraction", flops_per_token=fpt,
         peak_tflops=PEAK_TFLOPS, note="(6N + 12*L*C*T) FLOPs per token over the dense peak")
    emit("gpt2_small", cfg, "train_loss", losses[-1], "nats/token", first_loss=losses[0],
         note="last step (random tokens: about ln(vocab))")
    if os.environ.get("ANCHOR_PROFILE"):
        from torch.profiler import ProfilerActivity, profile
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            for _ in range(2):
                train_step(model, opt, batch, dev)
            sync()
        with open(os.environ["ANCHOR_PROFILE"], "w") as f:
            f.write(prof.key_averages().table(sort_by="cuda_time_total", row_limit=40, max_name_column_width=90))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 8, int(sys.argv[2]) if len(sys.argv) > 2 else 13)
