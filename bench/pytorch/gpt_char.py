# Ember's PyTorch reference workload, adapted from the project's anchor benchmarks
# (shared/bench/gpt_char.py). Workloads, measurements and JSON lines are unchanged, so
# that `ember bench --json` lines compare with these one to one (bench/compare).
"""Byte-level GPT (GPT-2 style: pre-LayerNorm, GELU (erf), learned positions, tied
input/output embeddings, biases, no dropout); causal attention as plain matmul+mask+softmax.

n_layer=4, n_head=4, n_embd=128, block_size=128, batch 16, vocab 256 (bytes).
AdamW(lr=3e-4, betas=(0.9, 0.999), weight_decay=0.01 = torch defaults), no grad clipping,
no LR schedule. Init: normal(0, 0.02), residual projections 0.02/sqrt(2*n_layer), biases 0.
Corpus: all .go files in $GOROOT/src/fmt and $GOROOT/src/strings (sorted by
name, concatenated); first 90% train, last 10% validation. Batches: random offsets (seeded).
Usage: python3 gpt_char.py [STEPS]   (default 300)
"""
import glob
import hashlib
import math
import sys
import time

from common import DEVICE, emit, mark, peak_rss_mb, rss_mb, sync, torch  # first: sets threads, finds torch

import torch.nn as nn
import torch.nn.functional as F

N_LAYER, N_HEAD, N_EMBD, BLOCK, BATCH, VOCAB = 4, 4, 128, 128, 16, 256
WARMUP_STEPS = 20


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_attn = nn.Linear(N_EMBD, 3 * N_EMBD)
        self.c_proj = nn.Linear(N_EMBD, N_EMBD)
        self.register_buffer("mask", torch.tril(torch.ones(BLOCK, BLOCK, dtype=torch.bool)))

    def forward(self, x, cache=None):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, N_HEAD, C // N_HEAD).transpose(1, 2) for t in (q, k, v))
        if cache is not None:  # KV cache for generation: append this step's keys/values
            if "k" in cache:
                k, v = torch.cat([cache["k"], k], 2), torch.cat([cache["v"], v], 2)
            cache["k"], cache["v"] = k, v
        Tk = k.size(2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(~self.mask[Tk - T:Tk, :Tk], float("-inf"))
        y = F.softmax(att, dim=-1) @ v
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1, self.attn = nn.LayerNorm(N_EMBD), Attention()
        self.ln_2 = nn.LayerNorm(N_EMBD)
        self.mlp = nn.Sequential(nn.Linear(N_EMBD, 4 * N_EMBD), nn.GELU(), nn.Linear(4 * N_EMBD, N_EMBD))

    def forward(self, x, cache=None):
        x = x + self.attn(self.ln_1(x), cache)
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(VOCAB, N_EMBD), nn.Embedding(BLOCK, N_EMBD)
        self.h = nn.ModuleList(Block() for _ in range(N_LAYER))
        self.ln_f = nn.LayerNorm(N_EMBD)
        self.lm_head = nn.Linear(N_EMBD, VOCAB, bias=False)
        self.lm_head.weight = self.wte.weight  # tied
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight") or name.endswith("mlp.2.weight"):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * N_LAYER))
            elif p.dim() == 2:
                nn.init.normal_(p, 0.0, 0.02)
            elif name.endswith("bias"):
                nn.init.zeros_(p)

    def forward(self, idx, caches=None, pos0=0):
        T = idx.size(1)
        x = self.wte(idx) + self.wpe(torch.arange(pos0, pos0 + T, device=idx.device))
        for i, block in enumerate(self.h):
            x = block(x, None if caches is None else caches[i])
        return self.lm_head(self.ln_f(x))


def load_corpus():
    import subprocess
    try:
        goroot = subprocess.run(["go", "env", "GOROOT"], capture_output=True, text=True).stdout.strip()
    except OSError:
        goroot = ""
    goroot = goroot or "/usr/local/go"
    files = sorted(glob.glob(goroot + "/src/fmt/*.go") + glob.glob(goroot + "/src/strings/*.go"))
    data = b"".join(open(f, "rb").read() for f in files)
    return torch.frombuffer(bytearray(data), dtype=torch.uint8).long(), len(files), hashlib.sha256(data).hexdigest()


def get_batch(data, gen):
    ix = torch.randint(len(data) - BLOCK - 1, (BATCH,), generator=gen)
    x = torch.stack([data[i:i + BLOCK] for i in ix])
    y = torch.stack([data[i + 1:i + 1 + BLOCK] for i in ix])
    return x.to(DEVICE), y.to(DEVICE)


@torch.no_grad()
def generate(model, prompt, n, use_cache):
    """Greedy decoding of n tokens, batch 1. Without cache: every step runs the model on the
    last <= BLOCK tokens. With cache: one token per step; when the cache holds BLOCK
    positions it is rebuilt from the last BLOCK//2 tokens (learned positions stop at BLOCK)."""
    seq = prompt
    caches = [dict() for _ in model.h] if use_cache else None
    logits = model(seq, caches)
    for _ in range(n):
        nxt = logits[:, -1].argmax(-1, keepdim=True)
        seq = torch.cat([seq, nxt], 1)
        if not use_cache:
            logits = model(seq[:, -BLOCK:])
        elif caches[0]["k"].size(2) >= BLOCK:
            caches = [dict() for _ in model.h]
            logits = model(seq[:, -(BLOCK // 2):], caches)
        else:
            logits = model(nxt, caches, pos0=caches[0]["k"].size(2))
    return seq[0, prompt.size(1):]


def main(steps):
    torch.manual_seed(0)
    data, nfiles, sha = load_corpus()
    split = int(0.9 * len(data))
    train_data, val_data = data[:split], data[split:]
    model = GPT().to(DEVICE)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4)
    nparams = sum(p.numel() for p in model.parameters())
    cfg = {"n_layer": N_LAYER, "n_head": N_HEAD, "n_embd": N_EMBD, "block_size": BLOCK,
           "batch": BATCH, "steps": steps, "params": nparams, "corpus_bytes": len(data),
           "corpus_files": nfiles, "corpus_sha256": sha[:16]}
    rss_before = rss_mb()
    gen = torch.Generator().manual_seed(0)
    losses = []
    mark()
    for step in range(1, steps + 1):
        x, y = get_batch(train_data, gen)
        loss = F.cross_entropy(model(x).view(-1, VOCAB), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if step == WARMUP_STEPS:
            sync()
            t0 = time.perf_counter()
    sync()
    dt = time.perf_counter() - t0
    emit("gpt_char", cfg, "train_throughput", (steps - WARMUP_STEPS) * BATCH * BLOCK / dt, "tokens/s",
         step_ms=dt / (steps - WARMUP_STEPS) * 1e3, note="steps after the first %d" % WARMUP_STEPS)
    emit("gpt_char", cfg, "train_loss", sum(losses[-10:]) / 10, "nats/token",
         note="mean of the last 10 steps", first_loss=losses[0])
    model.eval()
    with torch.no_grad():
        vgen = torch.Generator().manual_seed(1)
        vl = [F.cross_entropy(model(x).view(-1, VOCAB), y.view(-1)).item()
              for x, y in (get_batch(val_data, vgen) for _ in range(20))]
    emit("gpt_char", cfg, "val_loss", sum(vl) / len(vl), "nats/token", note="20 random val batches")
    emit("gpt_char", cfg, "peak_rss", peak_rss_mb(), "MiB", rss_before_training_mib=rss_before)

    prompt = val_data[:1].view(1, 1).to(DEVICE)
    outs = {}
    for use_cache in (False, True):
        times = []
        for _ in range(3):
            mark()
            t = time.perf_counter()
            outs[use_cache] = generate(model, prompt, 256, use_cache)
            sync()
            times.append(time.perf_counter() - t)
        times.sort()
        emit("gpt_char_generate", dict(cfg, batch=1, new_tokens=256, kv_cache=use_cache),
             "tokens_per_s", 256 / times[1], "tokens/s", min=256 / times[2], max=256 / times[0])
    same = int((outs[False][:BLOCK - 1] == outs[True][:BLOCK - 1]).all())
    emit("gpt_char_generate", dict(cfg, batch=1), "cache_matches_nocache_first_127", same, "bool")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
