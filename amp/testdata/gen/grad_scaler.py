"""Reference trajectories of torch.cuda.amp.GradScaler for amp/scaler_test.go.

PyTorch 1.13's GradScaler needs CUDA: its two kernels
(_amp_foreach_non_finite_check_and_unscale_ and _amp_update_scale_) have no
CPU implementation, and it refuses CPU tensors. This script runs the real
GradScaler class (torch/cuda/amp/grad_scaler.py: the per-optimizer stages,
unscale_, step, update, state_dict) on the CPU by

  - reimplementing the two kernels in Python, following
    aten/src/ATen/native/cuda/AmpKernels.cu: the non-finite check looks at
    every gradient element before multiplying it by the float32 inverse
    scale; the update multiplies the float32 scale by the backoff factor on
    a found inf/NaN, else counts the clean step and, when the count reaches
    the growth interval, multiplies by the growth factor (keeping the old
    scale if the product is not finite) and restarts the count;
  - letting scale() and _MultiDeviceReplicator accept CPU tensors (they
    only assert is_cuda), and telling the constructor CUDA is available.

Each scenario trains a linear model with an optimizer and records, per
iteration, whether the step ran, the scale and growth count after update(),
and the final parameters and state_dict. Gradient overflow comes from real
computation: on "spike" iterations the targets are multiplied by 1e36, so
the scaled gradients exceed float32's range by orders of magnitude (no
borderline rounding decides it); "inject" iterations put a NaN or inf into
one gradient after backward, as a corrupted batch would.

Run from the repository root: /usr/bin/python3 amp/testdata/gen/grad_scaler.py
"""
import json
import math
import os

import torch
import torch.cuda.amp.grad_scaler as gs
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "grad_scaler.json")


def non_finite_check_and_unscale_(grads, found_inf, inv_scale):
    for g in grads:
        if not torch.isfinite(g).all():
            found_inf.fill_(1.0)
        g.mul_(inv_scale)  # float32 gradient times the float32 inverse scale


def update_scale_(scale, growth_tracker, found_inf, growth_factor, backoff_factor, growth_interval):
    if found_inf.item():
        scale.fill_(float(torch.tensor(scale.item() * backoff_factor, dtype=torch.float32)))
        growth_tracker.fill_(0)
    else:
        successful = growth_tracker.item() + 1
        if successful == growth_interval:
            new_scale = torch.tensor(scale.item() * growth_factor, dtype=torch.float32)
            if torch.isfinite(new_scale):
                scale.fill_(new_scale.item())
            growth_tracker.fill_(0)
        else:
            growth_tracker.fill_(successful)
    return scale


torch._amp_foreach_non_finite_check_and_unscale_ = non_finite_check_and_unscale_
torch._amp_update_scale_ = update_scale_
gs.amp_definitely_not_available = lambda: False


def replicator_init(self, master_tensor):
    self.master = master_tensor
    self._per_device_tensors = {}


gs._MultiDeviceReplicator.__init__ = replicator_init


class CPUGradScaler(gs.GradScaler):
    """GradScaler whose scale() accepts a CPU tensor (the body of the
    single-tensor path of GradScaler.scale without its is_cuda assert)."""

    def scale(self, outputs):
        if self._scale is None:
            self._lazy_init_scale_growth_tracker(outputs.device)
        return outputs * self._scale.to(device=outputs.device, non_blocking=True)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def run(name, opt_kind, opt_args, scaler_args, iters, spikes=(), inject=None, clip=()):
    torch.manual_seed(len(name))
    x = torch.randn(16, 4)
    y = torch.randn(16, 2)
    w0 = torch.randn(2, 4) * 0.5
    b0 = torch.randn(2) * 0.1
    w = w0.clone().requires_grad_(True)
    b = b0.clone().requires_grad_(True)
    opt = getattr(torch.optim, opt_kind)([w, b], **opt_args)
    scaler = CPUGradScaler(**scaler_args)
    inject = inject or {}
    steps = []
    for it in range(iters):
        target = y * 1e36 if it in spikes else y
        opt.zero_grad(set_to_none=True)
        loss = F.mse_loss(F.linear(x, w, b), target)
        scaler.scale(loss).backward()
        finite = all(bool(torch.isfinite(p.grad).all()) for p in (w, b))
        assert finite != (it in spikes), (name, it, "spike iterations, and only they, must overflow")
        if it in inject:
            which, value = inject[it]
            (w if which == "w" else b).grad.view(-1)[0] = float(value)
        clipped = None
        if it in clip:
            scaler.unscale_(opt)
            clipped = float(torch.nn.utils.clip_grad_norm_([w, b], 1.0))
        before = [p.detach().clone() for p in (w, b)]
        scaler.step(opt)
        stepped = not bool(sum(v.item() for v in scaler._found_inf_per_device(opt).values()))
        changed = any(not torch.equal(p0, p) for p0, p in zip(before, (w, b)))
        assert stepped == changed, (name, it)
        scaler.update()
        steps.append({
            "spike": it in spikes,
            "inject": list(inject[it]) if it in inject else None,
            "clip": it in clip,
            "clip_norm": clipped if clipped is not None and math.isfinite(clipped) else None,
            "loss": float(loss) if math.isfinite(float(loss)) else None,
            "stepped": stepped,
            "scale": scaler.get_scale(),
            "growth_tracker": scaler._get_growth_tracker(),
        })
    return {
        "name": name, "optimizer": opt_kind, "optimizer_args": opt_args, "scaler_args": scaler_args,
        "x": flat(x), "y": flat(y), "w0": flat(w0), "b0": flat(b0),
        "steps": steps, "w": flat(w), "b": flat(b), "state_dict": scaler.state_dict(),
    }


scenarios = [
    run("sgd_momentum", "SGD", {"lr": 0.05, "momentum": 0.9},
        {"growth_interval": 3}, 16, spikes={4, 5, 13}, inject={9: ("w", "nan")}, clip={7, 11}),
    run("adam_custom_factors", "Adam", {"lr": 0.01},
        {"init_scale": 1024.0, "growth_factor": 4.0, "backoff_factor": 0.25, "growth_interval": 2}, 10,
        spikes={3}, inject={6: ("b", "inf"), 7: ("w", "-inf")}, clip={1}),
]
doc = {"generator": "amp/testdata/gen/grad_scaler.py", "torch": torch.__version__, "scenarios": scenarios}
with open(OUT + ".tmp", "w") as f:
    json.dump(doc, f, indent=1, allow_nan=False)
    f.write("\n")
os.replace(OUT + ".tmp", OUT)
print("wrote", OUT)
