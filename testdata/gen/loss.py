"""Golden fixtures for the loss functions (ops_loss.go, ops_loss_nll.go).

Run from the repository root: /usr/bin/python3 testdata/gen/loss.py

Options travel in args: "reduction", "ignore_index", "label_smoothing",
"beta", "delta", "margin", "log_target"; optional tensors (class weight,
pos_weight) are extra inputs named by args "weight" / "pos_weight" (their
position in the input list) and get no gradient.
"""
import torch
import torch.nn.functional as F

from golden import Fixture, rnd

fx = Fixture("loss")
REDS = ["mean", "sum", "none"]
nan, inf = float("nan"), float("inf")


def targets(n, c, *rest, ignore=None, every=3):
    t = torch.randint(0, c, (n, *rest))
    if ignore is not None:
        flat = t.view(-1)
        flat[::every] = ignore
    return t


def probs(*shape, axis=1):
    return torch.softmax(rnd(*shape, lo=-2, hi=2), axis)


def ce_case(name, x, t, weight=None, ignore_index=None, smoothing=0.0, reduction="mean", op="cross_entropy",
            **kw):
    inputs = [x, t]
    args = {"reduction": reduction}
    kwargs = {"reduction": reduction}
    grad_inputs = [0]
    if t.is_floating_point():
        grad_inputs.append(1)
    if weight is not None:
        args["weight"] = len(inputs)
        inputs.append(weight)
    if ignore_index is not None:
        args["ignore_index"] = ignore_index
        kwargs["ignore_index"] = ignore_index
    if smoothing:
        args["label_smoothing"] = smoothing
        kwargs["label_smoothing"] = smoothing
    fn = F.cross_entropy if op == "cross_entropy" else F.nll_loss

    def run(x, t, *w):
        return fn(x, t, weight=w[0] if w else None, **kwargs)

    fx.case(name, op, inputs, run, args=args, grad_inputs=grad_inputs, **kw)


# Cross-entropy with class indices.
for red in REDS:
    ce_case(f"ce/4x5/{red}", rnd(4, 5), targets(4, 5), reduction=red)
    ce_case(f"ce/weight/{red}", rnd(6, 5), targets(6, 5), weight=rnd(5, lo=0.2, hi=2), reduction=red)
    ce_case(f"ce/ignore_default/{red}", rnd(6, 5), targets(6, 5, ignore=-100), reduction=red)
    ce_case(f"ce/ignore_weight/{red}", rnd(6, 5), targets(6, 5, ignore=-100), weight=rnd(5, lo=0.2, hi=2),
            reduction=red)
    ce_case(f"ce/ignore_in_range/{red}", rnd(6, 5), targets(6, 5, ignore=2), ignore_index=2, reduction=red)
    ce_case(f"ce/smoothing/{red}", rnd(6, 5), targets(6, 5), smoothing=0.1, reduction=red)
    ce_case(f"ce/smoothing_weight_ignore/{red}", rnd(6, 5), targets(6, 5, ignore=-100),
            weight=rnd(5, lo=0.2, hi=2), smoothing=0.1, reduction=red)
    ce_case(f"ce/3d/{red}", rnd(2, 4, 3), targets(2, 4, 3), reduction=red)
    ce_case(f"ce/4d_weight_ignore_smoothing/{red}", rnd(2, 3, 2, 2), targets(2, 3, 2, 2, ignore=-100, every=3),
            weight=rnd(3, lo=0.2, hi=2), smoothing=0.1, reduction=red)
    ce_case(f"ce/unbatched/{red}", rnd(5), torch.tensor(3), reduction=red)
    ce_case(f"ce/unbatched_smoothing_weight/{red}", rnd(5), torch.tensor(1), weight=rnd(5, lo=0.2, hi=2),
            smoothing=0.2, reduction=red)
    ce_case(f"ce/empty_batch/{red}", rnd(0, 5), targets(0, 5), reduction=red)
    ce_case(f"ce/all_ignored/{red}", rnd(3, 4), torch.full((3,), -100), reduction=red)
    ce_case(f"ce/all_ignored_smoothing_weight/{red}", rnd(3, 4), torch.full((3,), -100),
            weight=rnd(4, lo=0.2, hi=2), smoothing=0.1, reduction=red)
    # Probability targets.
    ce_case(f"ce/probs/{red}", rnd(4, 5), probs(4, 5), reduction=red)
    ce_case(f"ce/probs_weight_smoothing/{red}", rnd(4, 5), probs(4, 5), weight=rnd(5, lo=0.2, hi=2),
            smoothing=0.1, reduction=red)
    ce_case(f"ce/probs_4d/{red}", rnd(2, 3, 2, 2), probs(2, 3, 2, 2), weight=rnd(3, lo=0.2, hi=2), reduction=red)
    ce_case(f"ce/probs_unbatched/{red}", rnd(5), probs(5, axis=0), smoothing=0.1, reduction=red)
ce_case("ce/probs_empty/mean", rnd(0, 5), probs(0, 5))
ce_case("ce/f64_noncontig", rnd(5, 4, dtype=torch.float64), targets(5, 4), weight=rnd(4, lo=0.2, hi=2).double(),
        noncontiguous=True)
ce_case("ce/f64_noncontig_smoothing", rnd(5, 4, dtype=torch.float64), targets(5, 4, ignore=-100),
        smoothing=0.1, noncontiguous=True)
ce_case("ce/batch32x10", rnd(32, 10, lo=-4, hi=4), targets(32, 10))
ce_case("ce/large_logits", torch.tensor([[1000.0, -1000.0, 0.0], [-500.0, 500.0, 499.0]]), torch.tensor([0, 2]))
ce_case("ce/neg_inf_logit", torch.tensor([[-inf, 1.0, 0.5], [0.3, -inf, 2.0]]), torch.tensor([1, 2]))
# PyTorch wants int64 targets; Ember also takes int32 ones.
fx.case("ce/int32_target", "cross_entropy", [rnd(3, 4), targets(3, 4).int()],
        lambda x, t: F.cross_entropy(x, t.long(), reduction="sum"), args={"reduction": "sum"})

# NLL on log-probabilities.
for red in REDS:
    lp = lambda *s: torch.log_softmax(rnd(*s), 1)
    ce_case(f"nll/4x5/{red}", lp(4, 5), targets(4, 5), reduction=red, op="nll_loss")
    ce_case(f"nll/weight_ignore/{red}", lp(6, 5), targets(6, 5, ignore=-100), weight=rnd(5, lo=0.2, hi=2),
            reduction=red, op="nll_loss")
    ce_case(f"nll/ignore0/{red}", lp(6, 5), targets(6, 5, ignore=0), ignore_index=0, reduction=red, op="nll_loss")
    ce_case(f"nll/3d_weight/{red}", lp(2, 4, 3), targets(2, 4, 3), weight=rnd(4, lo=0.2, hi=2), reduction=red,
            op="nll_loss")
    ce_case(f"nll/unbatched/{red}", torch.log_softmax(rnd(4), 0), torch.tensor(2), reduction=red, op="nll_loss")
ce_case("nll/any_values", rnd(3, 4, lo=-3, hi=3), targets(3, 4), weight=rnd(4, lo=-1, hi=2), op="nll_loss")


# Pointwise regression losses.
def pair_case(name, op, fn, x, t, args=None, **kw):
    fx.case(name, op, [x, t], fn, args=args, **kw)


for red in REDS:
    a = {"reduction": red}
    pair_case(f"mse/{red}", "mse_loss", lambda x, t: F.mse_loss(x, t, reduction=red), rnd(3, 4), rnd(3, 4), a)
    pair_case(f"l1/{red}", "l1_loss", lambda x, t: F.l1_loss(x, t, reduction=red), rnd(3, 4), rnd(3, 4), a)
    for beta in [1.0, 0.5, 0.0]:
        pair_case(f"smooth_l1/beta{beta}/{red}", "smooth_l1_loss",
                  lambda x, t: F.smooth_l1_loss(x, t, reduction=red, beta=beta), rnd(3, 4), rnd(3, 4),
                  {"reduction": red, "beta": beta})
    for delta in [1.0, 0.3, 2.5]:
        pair_case(f"huber/delta{delta}/{red}", "huber_loss",
                  lambda x, t: F.huber_loss(x, t, reduction=red, delta=delta), rnd(3, 4), rnd(3, 4),
                  {"reduction": red, "delta": delta})
m = {"reduction": "mean"}
for op, fn in [("mse_loss", F.mse_loss), ("l1_loss", F.l1_loss), ("smooth_l1_loss", F.smooth_l1_loss),
               ("huber_loss", F.huber_loss)]:
    pair_case(f"{op}/f64_noncontig", op, fn, rnd(4, 3, dtype=torch.float64), rnd(4, 3, dtype=torch.float64), m,
              noncontiguous=True)
    pair_case(f"{op}/broadcast_target", op, fn, rnd(3, 4), rnd(4), m)
    pair_case(f"{op}/broadcast_input", op, lambda x, t: fn(x, t, reduction="none"), rnd(3, 1), rnd(3, 4),
              {"reduction": "none"})
    pair_case(f"{op}/empty", op, fn, rnd(0, 3), rnd(0, 3), m)
    pair_case(f"{op}/empty_sum", op, lambda x, t: fn(x, t, reduction="sum"), rnd(0, 3), rnd(0, 3),
              {"reduction": "sum"})
    pair_case(f"{op}/scalar", op, fn, rnd(), rnd(), m)
    pair_case(f"{op}/nan", op, lambda x, t: fn(x, t, reduction="none"), torch.tensor([nan, 1.0, inf]),
              torch.tensor([0.0, nan, 1.0]), {"reduction": "none"}, grad=False)
    # An integer target is promoted (PyTorch's backward refuses it).
    pair_case(f"{op}/int_target", op, lambda x, t: fn(x, t.float()), rnd(3), torch.tensor([1, -2, 0]), m)
    pair_case(f"{op}/big_diff", op, lambda x, t: fn(x, t, reduction="none"), rnd(6, lo=-10, hi=10),
              rnd(6, lo=-10, hi=10), {"reduction": "none"})

# Binary cross-entropy on probabilities.
for red in REDS:
    a = {"reduction": red}
    p, t = rnd(3, 4, lo=0.02, hi=0.98), rnd(3, 4, lo=0, hi=1)
    fx.case(f"bce/{red}", "binary_cross_entropy", [p, t], lambda p, t: F.binary_cross_entropy(p, t, reduction=red),
            args=a)
    fx.case(f"bce/weight/{red}", "binary_cross_entropy", [p, t, rnd(4, lo=0.2, hi=2)],
            lambda p, t, w: F.binary_cross_entropy(p, t, weight=w, reduction=red),
            args={"reduction": red, "weight": 2}, grad_inputs=[0, 1])
fx.case("bce/f64_noncontig", "binary_cross_entropy",
        [rnd(4, 3, lo=0.05, hi=0.95, dtype=torch.float64), rnd(4, 3, lo=0, hi=1, dtype=torch.float64)],
        F.binary_cross_entropy, noncontiguous=True)
fx.case("bce/edges", "binary_cross_entropy", [torch.tensor([0.0, 1.0, 0.0, 1.0, 0.5, 1e-30]),
                                              torch.tensor([0.0, 1.0, 1.0, 0.0, 0.5, 1.0])],
        lambda p, t: F.binary_cross_entropy(p, t, reduction="none"), args={"reduction": "none"}, grad_inputs=[0])
fx.case("bce/empty", "binary_cross_entropy", [torch.zeros(0), torch.zeros(0)], F.binary_cross_entropy)
fx.case("bce/scalar", "binary_cross_entropy", [torch.tensor(0.3), torch.tensor(1.0)], F.binary_cross_entropy)

# Binary cross-entropy on logits.
for red in REDS:
    a = {"reduction": red}
    x, t = rnd(3, 4, lo=-4, hi=4), rnd(3, 4, lo=0, hi=1)
    fx.case(f"bce_logits/{red}", "binary_cross_entropy_with_logits", [x, t],
            lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction=red), args=a)
    fx.case(f"bce_logits/weight_pos_weight/{red}", "binary_cross_entropy_with_logits",
            [x, t, rnd(3, 1, lo=0.2, hi=2), rnd(4, lo=0.5, hi=3)],
            lambda x, t, w, pw: F.binary_cross_entropy_with_logits(x, t, weight=w, pos_weight=pw, reduction=red),
            args={"reduction": red, "weight": 2, "pos_weight": 3}, grad_inputs=[0, 1])
    fx.case(f"bce_logits/pos_weight/{red}", "binary_cross_entropy_with_logits", [x, t, rnd(4, lo=0.5, hi=3)],
            lambda x, t, pw: F.binary_cross_entropy_with_logits(x, t, pos_weight=pw, reduction=red),
            args={"reduction": red, "pos_weight": 2}, grad_inputs=[0, 1])
fx.case("bce_logits/extreme", "binary_cross_entropy_with_logits",
        [torch.tensor([100.0, -100.0, 30.0, -30.0, 0.0]), torch.tensor([0.0, 1.0, 1.0, 0.0, 0.5])],
        lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction="none"), args={"reduction": "none"})
fx.case("bce_logits/f64_noncontig", "binary_cross_entropy_with_logits",
        [rnd(4, 3, dtype=torch.float64), rnd(4, 3, lo=0, hi=1, dtype=torch.float64)],
        F.binary_cross_entropy_with_logits, noncontiguous=True)

# KL divergence.
for red in REDS + ["batchmean"]:
    lp, tp = torch.log_softmax(rnd(3, 4), 1), probs(3, 4)
    fx.case(f"kl_div/{red}", "kl_div", [lp, tp], lambda i, t: F.kl_div(i, t, reduction=red),
            args={"reduction": red})
    fx.case(f"kl_div/log_target/{red}", "kl_div", [lp, torch.log(tp)],
            lambda i, t: F.kl_div(i, t, reduction=red, log_target=True), args={"reduction": red, "log_target": True})
# A zero target contributes 0 (PyTorch's gradient for that target is NaN, so
# only the input gradient is compared).
fx.case("kl_div/zero_target", "kl_div", [torch.log_softmax(rnd(2, 3), 1), torch.tensor([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])],
        lambda i, t: F.kl_div(i, t, reduction="batchmean"), args={"reduction": "batchmean"}, grad_inputs=[0])
fx.case("kl_div/f64_noncontig", "kl_div", [torch.log_softmax(rnd(4, 3, dtype=torch.float64), 1),
                                           probs(4, 3).double()],
        lambda i, t: F.kl_div(i, t, reduction="sum"), args={"reduction": "sum"}, noncontiguous=True)

# Ranking and embedding losses.
for red in REDS:
    for margin in [0.0, 0.5]:
        y = torch.tensor([1.0, -1.0, 1.0, -1.0, 1.0])
        fx.case(f"margin_ranking/m{margin}/{red}", "margin_ranking_loss", [rnd(5), rnd(5), y],
                lambda a, b, y: F.margin_ranking_loss(a, b, y, margin=margin, reduction=red),
                args={"reduction": red, "margin": margin}, grad_inputs=[0, 1])
    fx.case(f"cosine_embedding/{red}", "cosine_embedding_loss", [rnd(4, 6), rnd(4, 6), torch.tensor([1, -1, 1, -1])],
            lambda a, b, y: F.cosine_embedding_loss(a, b, y, margin=0.2, reduction=red),
            args={"reduction": red, "margin": 0.2})
fx.case("cosine_embedding/1d", "cosine_embedding_loss", [rnd(6), rnd(6), torch.tensor(-1)],
        lambda a, b, y: F.cosine_embedding_loss(a, b, y, margin=-0.5), args={"reduction": "mean", "margin": -0.5})
fx.case("cosine_embedding/other_labels", "cosine_embedding_loss",
        [rnd(3, 4), rnd(3, 4), torch.tensor([1, 0, 2])],
        lambda a, b, y: F.cosine_embedding_loss(a, b, y, reduction="none"), args={"reduction": "none", "margin": 0.0})
fx.write()
