"""Golden fixtures for the model zoo (models/testdata/models.json).

Run with Debian's Python, which sees python3-torch 1.13:

    /usr/bin/python3 models/testdata/gen/models.py

Each case builds a PyTorch model (the architectures of bench/pytorch/*.py,
written out here with their sizes as parameters), sets every floating-point
parameter and buffer by a formula that the Go test repeats (see fill()),
runs a fixed input in float64 and writes:
  keys            the state-dict keys and shapes, in PyTorch's order
  input, output   the input and the model's output (GPT: as stats, below)
  grad_output     the seed g; gradients are of sum(output * g)
  grads           per parameter: sum, sum of |x|, and the values at a few
                  strided positions (whole tensors would make the file huge)
  input_grad      d/d input (image models)
The ResNet case also records the running statistics after the training
forward and the output in evaluation mode; the GPT case records greedy
generations with and without the KV cache.
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "models.json")


def key_hash(name):
    return sum(name.encode()) % 97


def fill(name, t):
    """Deterministic values for parameter or buffer `name` (repeated in Go)."""
    n = t.numel()
    i = torch.arange(n, dtype=torch.float64)
    s = torch.sin(0.37 * i + 0.11 * key_hash(name))
    if name.endswith("running_var"):
        v = 0.5 + s * s
    elif t.dim() >= 2:
        v = s / math.sqrt(n / t.shape[0])
    elif name.endswith("weight"):
        v = 1 + 0.1 * s
    else:
        v = 0.1 * s
    with torch.no_grad():
        t.copy_(v.reshape(t.shape))


def wave(n, a, b):
    i = torch.arange(n, dtype=torch.float64)
    return torch.cos(a * i + b)


def stats(t, k=8):
    flat = t.detach().reshape(-1)
    step = max(1, flat.numel() // k)
    idx = list(range(0, flat.numel(), step))[:k]
    return {"sum": flat.sum().item(), "abs_sum": flat.abs().sum().item(),
            "index": idx, "values": [flat[j].item() for j in idx]}


def keys(m):
    return [[k, list(v.shape)] for k, v in m.state_dict().items()]


def set_weights(m):
    for k, v in m.state_dict().items():
        if v.is_floating_point() and k != "lm_head.weight":  # tied to wte.weight
            fill(k, v)


# --- the architectures -----------------------------------------------------

def mlp():
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
                         nn.Linear(256, 10))


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        idt = x if self.downsample is None else self.downsample(x)
        return F.relu(out + idt)


class ResNet(nn.Module):
    def __init__(self, cin, classes, depth, w):
        super().__init__()
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(cin, w, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(w)
        chans = [cin]

        def stage(cout, stride):
            blocks = []
            for i in range(n):
                blocks.append(BasicBlock(chans[0] if i == 0 else cout, cout, stride if i == 0 else 1))
            chans[0] = cout
            return nn.Sequential(*blocks)
        chans[0] = w
        self.layer1 = stage(w, 1)
        self.layer2 = stage(2 * w, 2)
        self.layer3 = stage(4 * w, 2)
        self.fc = nn.Linear(4 * w, classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(x.mean((2, 3)))


class Attention(nn.Module):  # gpt_char.py's, with sizes as parameters
    def __init__(self, c, heads, block):
        super().__init__()
        self.heads = heads
        self.c_attn = nn.Linear(c, 3 * c)
        self.c_proj = nn.Linear(c, c)
        self.register_buffer("mask", torch.tril(torch.ones(block, block, dtype=torch.bool)))

    def forward(self, x, cache=None):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.heads, C // self.heads).transpose(1, 2) for t in (q, k, v))
        if cache is not None:
            if "k" in cache:
                k, v = torch.cat([cache["k"], k], 2), torch.cat([cache["v"], v], 2)
            cache["k"], cache["v"] = k, v
        Tk = k.size(2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(~self.mask[Tk - T:Tk, :Tk], float("-inf"))
        y = F.softmax(att, dim=-1) @ v
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))


class Block(nn.Module):
    def __init__(self, c, heads, block):
        super().__init__()
        self.ln_1, self.attn = nn.LayerNorm(c), Attention(c, heads, block)
        self.ln_2 = nn.LayerNorm(c)
        self.mlp = nn.Sequential(nn.Linear(c, 4 * c), nn.GELU(), nn.Linear(4 * c, c))

    def forward(self, x, cache=None):
        x = x + self.attn(self.ln_1(x), cache)
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, layers, heads, c, block, vocab):
        super().__init__()
        self.block = block
        self.wte, self.wpe = nn.Embedding(vocab, c), nn.Embedding(block, c)
        self.h = nn.ModuleList(Block(c, heads, block) for _ in range(layers))
        self.ln_f = nn.LayerNorm(c)
        self.lm_head = nn.Linear(c, vocab, bias=False)
        self.lm_head.weight = self.wte.weight

    def forward(self, idx, caches=None, pos0=0):
        T = idx.size(1)
        x = self.wte(idx) + self.wpe(torch.arange(pos0, pos0 + T))
        for i, block in enumerate(self.h):
            x = block(x, None if caches is None else caches[i])
        return self.lm_head(self.ln_f(x))


@torch.no_grad()
def generate(model, prompt, n, use_cache):  # gpt_char.py's
    B = model.block
    seq = prompt
    caches = [dict() for _ in model.h] if use_cache else None
    logits = model(seq, caches)
    for _ in range(n):
        nxt = logits[:, -1].argmax(-1, keepdim=True)
        seq = torch.cat([seq, nxt], 1)
        if not use_cache:
            logits = model(seq[:, -B:])
        elif caches[0]["k"].size(2) >= B:
            caches = [dict() for _ in model.h]
            logits = model(seq[:, -(B // 2):], caches)
        else:
            logits = model(nxt, caches, pos0=caches[0]["k"].size(2))
    return seq[0, prompt.size(1):]


# --- cases -------------------------------------------------------------------

def image_case(name, model, shape, config):
    set_weights(model)
    n = 1
    for s in shape:
        n *= s
    x = (0.5 + 0.5 * wave(n, 0.13, 0.2)).reshape(shape).requires_grad_()
    model.train()
    out = model(x)
    g = wave(out.numel(), 0.7, 0.1).reshape(out.shape)
    (out * g).sum().backward()
    case = {"name": name, "config": config, "keys": keys(model), "input_shape": list(shape),
            "output": out.detach().reshape(-1).tolist(), "output_shape": list(out.shape),
            "input_grad": stats(x.grad, 16),
            "grads": {k: stats(p.grad) for k, p in model.named_parameters()}}
    if any(isinstance(m, nn.BatchNorm2d) for m in model.modules()):
        case["running"] = {k: v.reshape(-1).tolist() for k, v in model.state_dict().items()
                           if "running" in k or "num_batches" in k}
        model.eval()
        with torch.no_grad():
            case["eval_output"] = model(x).reshape(-1).tolist()
    return case


def gpt_case():
    L, H, C, T, V = 2, 2, 16, 16, 256
    model = GPT(L, H, C, T, V)
    set_weights(model)
    B = 2
    ids = (torch.arange(B * T) * 37 % 251).reshape(B, T)
    out = model(ids)
    g = wave(out.numel(), 0.7, 0.1).reshape(out.shape)
    (out * g).sum().backward()
    prompt = torch.tensor([[72, 101, 108]])
    gens = {str(c).lower(): generate(model, prompt, 40, c).tolist() for c in (False, True)}
    return {"name": "gpt-char", "config": {"gpt": {"n_layer": L, "n_head": H, "n_embd": C, "block_size": T, "vocab": V}},
            "keys": keys(model), "ids": ids.reshape(-1).tolist(), "input_shape": [B, T],
            "output_stats": stats(out, 64), "output_shape": list(out.shape),
            "grads": {k: stats(p.grad) for k, p in model.named_parameters()},
            "prompt": prompt.reshape(-1).tolist(), "generate": gens}


def main():
    torch.manual_seed(0)
    cases = [
        image_case("mlp", mlp(), (2, 784), {}),
        image_case("cnn", cnn(), (2, 1, 28, 28), {}),
        image_case("resnet", ResNet(3, 5, 8, 4), (3, 3, 12, 12),
                   {"in_channels": 3, "height": 12, "width": 12, "num_classes": 5, "depth": 8, "width0": 4}),
        image_case("resnet", ResNet(1, 10, 14, 2), (2, 1, 8, 8),
                   {"in_channels": 1, "height": 8, "width": 8, "depth": 14, "width0": 2}),
        gpt_case(),
    ]
    with open(OUT, "w") as f:
        json.dump({"generator": "models/testdata/gen/models.py", "torch": torch.__version__, "cases": cases}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
