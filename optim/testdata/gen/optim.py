"""Golden trajectories for package optim, from PyTorch (torch 1.13).

Run with Debian's Python, which sees python3-torch, from anywhere:

    /usr/bin/python3 optim/testdata/gen/optim.py

It writes optim/testdata/golden/optim.json:

    problem      the fixed problem every optimizer run minimises:
                 loss = mean((tanh(x @ w.T + b) - y)^2), x [5,3], y [5,2],
                 parameters w [2,3] and b [2] starting at w0, b0; a third
                 parameter u [2] (u0) never gets a gradient and must not move
    optimizers   one run per (configuration, dtype): "optim" and "options"
                 (PyTorch's keyword arguments), "groups" (per-group keyword
                 overrides, w then b) when the run uses two groups, and
                 "traj": [w..., b...] after each of the 20 steps
    schedules    one run per schedule: the SGD optimizer (two groups, lr
                 0.1 and 0.05, momentum 0.9, or Adam / Adagrad where named),
                 the schedule's arguments, and "lrs" / "momenta": every
                 group's learning rate (momentum) after construction and
                 after each step
    plateau      ReduceLROnPlateau runs: options, the metrics fed, "lrs"
    scheduled    optimizer + schedule runs on the problem: "traj" as above
    clip         clip_grad_norm_ / clip_grad_value_ on fixed gradients:
                 the total norm and the clipped gradients

Lion is not in PyTorch 1.13: its reference below follows Chen et al. (2023)
and lucidrains/lion-pytorch. NaN and infinities are written as the strings
"nan", "inf" and "-inf".
"""
import json
import math
import os
import warnings

import numpy as np
import torch
from torch.optim import lr_scheduler as lrs

warnings.simplefilter("ignore")
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "golden", "optim.json")
STEPS = 20


class Lion(torch.optim.Optimizer):
    """Lion, in the operation order of Ember's kernel."""

    def __init__(self, params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0, maximize=False):
        super().__init__(params, dict(lr=lr, betas=betas, weight_decay=weight_decay, maximize=maximize))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            lr, wd = group["lr"], group["weight_decay"]
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = -p.grad if group["maximize"] else p.grad
                state = self.state[p]
                if not state:
                    state["exp_avg"] = torch.zeros_like(p)
                m = state["exp_avg"]
                if wd != 0:
                    p.mul_(1 - lr * wd)
                c = m.mul(beta1).add(grad, alpha=1 - beta1)
                p.add_(torch.sign(c), alpha=-lr)
                m.mul_(beta2).add_(grad, alpha=1 - beta2)


OPTIMS = {
    "SGD": torch.optim.SGD, "Adam": torch.optim.Adam, "AdamW": torch.optim.AdamW,
    "RMSprop": torch.optim.RMSprop, "Adagrad": torch.optim.Adagrad, "Lion": Lion,
}

# (name, optimizer, keyword arguments, per-group overrides for [w], [b] or None)
CONFIGS = [
    ("sgd", "SGD", dict(lr=0.1), None),
    ("sgd_momentum", "SGD", dict(lr=0.1, momentum=0.9), None),
    ("sgd_dampening_wd", "SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01), None),
    ("sgd_nesterov_wd", "SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.05), None),
    ("sgd_maximize", "SGD", dict(lr=0.1, momentum=0.5, maximize=True), None),
    ("sgd_wd", "SGD", dict(lr=0.2, weight_decay=0.1), None),
    ("adam_default", "Adam", dict(), None),
    ("adam", "Adam", dict(lr=1e-2), None),
    ("adam_wd", "Adam", dict(lr=1e-2, weight_decay=0.1), None),
    ("adam_amsgrad", "Adam", dict(lr=1e-2, amsgrad=True), None),
    ("adam_betas_eps_maximize", "Adam", dict(lr=1e-2, betas=(0.8, 0.99), eps=1e-6, maximize=True), None),
    ("adam_all", "Adam", dict(lr=2e-2, amsgrad=True, weight_decay=0.05, maximize=True), None),
    ("adam_beta1_zero", "Adam", dict(lr=1e-2, betas=(0.0, 0.999)), None),
    ("adamw", "AdamW", dict(lr=1e-2), None),
    ("adamw_no_wd", "AdamW", dict(lr=1e-2, weight_decay=0.0), None),
    ("adamw_amsgrad", "AdamW", dict(lr=1e-2, amsgrad=True, weight_decay=0.1), None),
    ("adamw_maximize", "AdamW", dict(lr=1e-2, weight_decay=0.2, maximize=True), None),
    ("rmsprop_default", "RMSprop", dict(), None),
    ("rmsprop_centered", "RMSprop", dict(lr=1e-3, centered=True), None),
    ("rmsprop_momentum", "RMSprop", dict(lr=1e-3, momentum=0.9), None),
    ("rmsprop_all", "RMSprop", dict(lr=1e-3, centered=True, momentum=0.5, weight_decay=0.1), None),
    ("rmsprop_alpha_eps_maximize", "RMSprop", dict(alpha=0.9, eps=1e-6, maximize=True), None),
    ("adagrad_default", "Adagrad", dict(), None),
    ("adagrad_lr_decay", "Adagrad", dict(lr=0.1, lr_decay=0.01), None),
    ("adagrad_init_wd", "Adagrad", dict(lr=0.1, initial_accumulator_value=0.5, weight_decay=0.1), None),
    ("adagrad_eps_maximize", "Adagrad", dict(eps=1e-6, maximize=True), None),
    ("lion_default", "Lion", dict(), None),
    ("lion_wd", "Lion", dict(lr=1e-3, weight_decay=0.1), None),
    ("lion_betas_maximize", "Lion", dict(lr=1e-3, betas=(0.95, 0.98), maximize=True), None),
    # Parameter groups: w and b with their own hyper-parameters.
    ("groups_adamw", "AdamW", dict(lr=1e-2), [dict(weight_decay=0.1), dict(lr=3e-2, weight_decay=0.0, amsgrad=True)]),
    ("groups_sgd", "SGD", dict(lr=0.1), [dict(momentum=0.9), dict(lr=0.01, momentum=0.5, nesterov=True)]),
    ("groups_rmsprop", "RMSprop", dict(lr=1e-3), [dict(centered=True), dict(lr=1e-2, momentum=0.3)]),
]

DTYPES = {"float32": torch.float32, "float64": torch.float64}


def num(v):
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def values(t):
    """A tensor's elements, float32 ones in their shortest round-trip form."""
    t = t.detach().reshape(-1)
    if t.dtype == torch.float32:
        return [num(float(str(np.float32(v)))) if math.isfinite(v) else num(v) for v in t.tolist()]
    return [num(v) for v in t.tolist()]


def jsonable(v):
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, float):
        return num(v)
    return v


torch.manual_seed(0)
PROBLEM = {
    "x": torch.randn(5, 3), "y": torch.rand(5, 2) * 1.6 - 0.8,
    "w0": torch.randn(2, 3) * 0.5, "b0": torch.randn(2) * 0.1, "u0": torch.randn(2),
}


def make_params(dtype):
    return [PROBLEM[k].clone().to(dtype).requires_grad_(True) for k in ("w0", "b0", "u0")]


def loss_of(w, b, dtype):
    x, y = PROBLEM["x"].to(dtype), PROBLEM["y"].to(dtype)
    return ((torch.tanh(x @ w.T + b) - y) ** 2).mean()


def flat(w, b):
    return values(torch.cat([w.reshape(-1), b.reshape(-1)]))


def train(opt, w, b, u, dtype, sched=None, steps=STEPS):
    u_before = u.detach().clone()
    traj = []
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        loss_of(w, b, dtype).backward()
        opt.step()
        if sched is not None:
            sched.step()
        traj.append(flat(w, b))
    assert torch.equal(u, u_before) and u.grad is None
    return traj


def optimizer_runs():
    runs = []
    for name, kind, kw, groups in CONFIGS:
        for dname, dtype in DTYPES.items():
            w, b, u = make_params(dtype)
            if groups is None:
                opt = OPTIMS[kind]([w, b, u], **kw)
            else:
                opt = OPTIMS[kind]([dict(params=[w], **groups[0]), dict(params=[b, u], **groups[1])], **kw)
            runs.append({"name": name, "optim": kind, "options": jsonable(kw), "groups": jsonable(groups),
                         "dtype": dname, "traj": train(opt, w, b, u, dtype)})
    return runs


def sgd_two_groups():
    p1, p2 = torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)
    return torch.optim.SGD([dict(params=[p1]), dict(params=[p2], lr=0.05)], lr=0.1, momentum=0.9)


def adam_two_groups():
    p1, p2 = torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)
    return torch.optim.Adam([dict(params=[p1]), dict(params=[p2], lr=0.05)], lr=0.1)


def adagrad_two_groups():
    p1, p2 = torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)
    return torch.optim.Adagrad([dict(params=[p1]), dict(params=[p2], lr=0.05)], lr=0.1)


def momentum_of(opt):
    return [g["betas"][0] if "betas" in g else g.get("momentum", 0.0) for g in opt.param_groups]


# (name, optimizer maker, schedule kind, arguments, steps); arguments are
# PyTorch's keyword arguments, except SequentialLR's "schedulers", a list
# of (kind, arguments).
SCHEDULES = [
    ("step", sgd_two_groups, "StepLR", dict(step_size=3, gamma=0.5), 20),
    ("multistep", sgd_two_groups, "MultiStepLR", dict(milestones=[2, 5, 5, 9], gamma=0.3), 15),
    ("exponential", sgd_two_groups, "ExponentialLR", dict(gamma=0.9), 12),
    ("cosine", sgd_two_groups, "CosineAnnealingLR", dict(T_max=10, eta_min=0.001), 25),
    ("cosine_zero_min", sgd_two_groups, "CosineAnnealingLR", dict(T_max=7), 16),
    ("linear_warmup", sgd_two_groups, "LinearLR", dict(start_factor=0.25, end_factor=1.0, total_iters=4), 8),
    ("linear_decay", sgd_two_groups, "LinearLR", dict(start_factor=1.0, end_factor=0.1, total_iters=10), 14),
    ("linear_to_zero", sgd_two_groups, "LinearLR", dict(start_factor=0.5, end_factor=0.0, total_iters=6), 9),
    ("onecycle", sgd_two_groups, "OneCycleLR", dict(max_lr=[1.0, 0.5], total_steps=20), 20),
    ("onecycle_linear_three_phase", sgd_two_groups, "OneCycleLR",
     dict(max_lr=0.8, total_steps=16, anneal_strategy="linear", three_phase=True, pct_start=0.25,
          div_factor=10.0, final_div_factor=100.0, base_momentum=0.8, max_momentum=0.9), 16),
    ("onecycle_adam_epochs", adam_two_groups, "OneCycleLR", dict(max_lr=0.3, epochs=4, steps_per_epoch=5), 20),
    ("onecycle_three_phase_cos", adam_two_groups, "OneCycleLR",
     dict(max_lr=[0.3, 0.2], total_steps=15, three_phase=True), 15),
    ("onecycle_fixed_momentum", adagrad_two_groups, "OneCycleLR",
     dict(max_lr=0.2, total_steps=10, cycle_momentum=False), 10),
    ("sequential_warmup_cosine", sgd_two_groups, "SequentialLR",
     dict(schedulers=[("LinearLR", dict(start_factor=0.1, end_factor=1.0, total_iters=5)),
                      ("CosineAnnealingLR", dict(T_max=15, eta_min=0.001))], milestones=[5]), 25),
    ("sequential_three", sgd_two_groups, "SequentialLR",
     dict(schedulers=[("LinearLR", dict(start_factor=0.5, end_factor=1.0, total_iters=3)),
                      ("ExponentialLR", dict(gamma=0.8)),
                      ("StepLR", dict(step_size=2, gamma=0.5))], milestones=[3, 8]), 16),
]


def make_schedule(opt, kind, args):
    if kind == "SequentialLR":
        subs = [getattr(lrs, k)(opt, **a) for k, a in args["schedulers"]]
        return lrs.SequentialLR(opt, subs, milestones=args["milestones"])
    return getattr(lrs, kind)(opt, **args)


def schedule_runs():
    runs = []
    for name, make_opt, kind, args, steps in SCHEDULES:
        opt = make_opt()
        sched = make_schedule(opt, kind, args)
        lr_hist, mom_hist = [sched.get_last_lr()], [momentum_of(opt)]
        for _ in range(steps):
            opt.step()
            sched.step()
            lr_hist.append(sched.get_last_lr())
            mom_hist.append(momentum_of(opt))
        runs.append({"name": name, "optim": type(opt).__name__, "schedule": kind, "args": jsonable(args),
                     "lrs": jsonable(lr_hist), "momenta": jsonable(mom_hist)})
    return runs


METRICS = [1.0, 0.9, 0.95, 0.95, 0.9, 0.91, 0.92, 0.93, 0.5, 0.6, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7,
           0.69999, 0.4, 0.41, 0.42, 0.43, 0.44, 0.45, 0.46, 0.47, 0.48, 0.49, 0.5, 0.51, 0.52]

PLATEAU = [
    ("default", dict()),
    ("patience2", dict(patience=2)),
    ("patience0_factor", dict(patience=0, factor=0.5)),
    ("max", dict(mode="max", patience=1)),
    ("abs", dict(threshold_mode="abs", threshold=0.05, patience=1)),
    ("max_abs", dict(mode="max", threshold_mode="abs", threshold=0.05, patience=1)),
    ("cooldown_min_lr", dict(cooldown=2, patience=1, min_lr=0.02)),
    ("min_lrs", dict(min_lr=[0.01, 0.04], patience=1, factor=0.3)),
    ("threshold0", dict(threshold=0.0, patience=1)),
    ("eps_blocks", dict(patience=0, factor=0.5, eps=0.01)),
]


def plateau_runs():
    runs = []
    for name, kw in PLATEAU:
        opt = sgd_two_groups()
        sched = lrs.ReduceLROnPlateau(opt, **kw)
        hist = []
        for m in METRICS:
            opt.step()
            sched.step(m)
            hist.append([g["lr"] for g in opt.param_groups])
        runs.append({"name": name, "options": jsonable(kw), "metrics": METRICS, "lrs": jsonable(hist)})
    return runs


def scheduled_runs():
    runs = []
    for dname, dtype in DTYPES.items():
        w, b, u = make_params(dtype)
        opt = torch.optim.SGD([w, b, u], lr=0.1, momentum=0.9)
        traj = train(opt, w, b, u, dtype, lrs.StepLR(opt, step_size=5, gamma=0.5))
        runs.append({"name": "sgd_steplr", "dtype": dname, "traj": traj})

        w, b, u = make_params(dtype)
        opt = torch.optim.AdamW([w, b, u], lr=0.05)
        sched = lrs.SequentialLR(opt, [lrs.LinearLR(opt, start_factor=0.1, total_iters=5),
                                       lrs.CosineAnnealingLR(opt, T_max=15, eta_min=0.001)], milestones=[5])
        runs.append({"name": "adamw_warmup_cosine", "dtype": dname, "traj": train(opt, w, b, u, dtype, sched)})

        w, b, u = make_params(dtype)
        opt = torch.optim.Adam([w, b, u], lr=0.01)
        sched = lrs.OneCycleLR(opt, max_lr=0.05, total_steps=STEPS)
        runs.append({"name": "adam_onecycle", "dtype": dname, "traj": train(opt, w, b, u, dtype, sched)})
    return runs


CLIP_GRADS = [torch.randn(3, 4) * 0.7, torch.randn(5) * 0.3]


def clip_runs():
    runs = []
    cases = [(1.0, 2.0), (0.5, 1.0), (0.3, math.inf), (1.0, 3.0), (100.0, 2.0), (0.7, 0.5), (0.05, 2.0)]
    for dname, dtype in DTYPES.items():
        for max_norm, norm_type in cases:
            ps = [torch.zeros(3, 4, dtype=dtype), torch.zeros(5, dtype=dtype), torch.zeros(2, dtype=dtype)]
            for p, g in zip(ps, CLIP_GRADS):
                p.grad = g.clone().to(dtype)
            total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type)
            runs.append({"kind": "norm", "dtype": dname, "max_norm": max_norm, "norm_type": num(norm_type),
                         "total": num(total), "grads": [values(p.grad) for p in ps[:2]]})
        # A non-finite gradient: the total is inf and PyTorch scales by 0.
        ps = [torch.zeros(3, 4, dtype=dtype), torch.zeros(5, dtype=dtype)]
        for p, g in zip(ps, CLIP_GRADS):
            p.grad = g.clone().to(dtype)
        ps[0].grad[1, 2] = math.inf
        total = torch.nn.utils.clip_grad_norm_(ps, 1.0, 2.0)
        runs.append({"kind": "norm_inf", "dtype": dname, "max_norm": 1.0, "norm_type": 2.0, "total": num(total),
                     "grads": [values(p.grad) for p in ps]})
        ps = [torch.zeros(3, 4, dtype=dtype), torch.zeros(5, dtype=dtype)]
        for p, g in zip(ps, CLIP_GRADS):
            p.grad = g.clone().to(dtype)
        torch.nn.utils.clip_grad_value_(ps, 0.4)
        runs.append({"kind": "value", "dtype": dname, "clip": 0.4, "grads": [values(p.grad) for p in ps]})
    return runs


def main():
    out = {
        "generator": "optim/testdata/gen/optim.py",
        "torch": torch.__version__,
        "problem": {k: values(v) for k, v in PROBLEM.items()},
        "clip_grads": [values(g) for g in CLIP_GRADS],
        "optimizers": optimizer_runs(),
        "schedules": schedule_runs(),
        "plateau": plateau_runs(),
        "scheduled": scheduled_runs(),
        "clip": clip_runs(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", os.path.relpath(OUT), os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
