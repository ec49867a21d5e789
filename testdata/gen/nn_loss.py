"""Fixtures for the loss modules (nn/testdata/loss.json), each with the
reductions none, mean and sum, class weights and pos_weight loaded as
buffers by state-dict key ("weight", "pos_weight"), and gradients for the
input and, where PyTorch differentiates it, the target.

Run: /usr/bin/python3 testdata/gen/nn_loss.py
"""
import torch
from torch import nn

from nn_fixture import NNFixture, det

fx = NNFixture("loss")
s = [0]


def x(*shape, lo=-2.0, hi=2.0, dtype=torch.float32):
    s[0] += 1
    return det(*shape, seed=s[0], lo=lo, hi=hi, dtype=dtype)


REDS = ("mean", "sum", "none")
cls_t = torch.tensor([1, 0, 4, 2])
for r in REDS:
    fx.case(f"ce_{r}", "CrossEntropyLoss", nn.CrossEntropyLoss(reduction=r), [x(4, 5), cls_t], {"reduction": r})
w5 = det(5, seed=900, lo=0.2, hi=2.0)
fx.case("ce_weight", "CrossEntropyLoss", nn.CrossEntropyLoss(weight=w5.clone()), [x(4, 5), cls_t], {"weight": 5})
fx.case("ce_ignore", "CrossEntropyLoss", nn.CrossEntropyLoss(ignore_index=2), [x(4, 5), torch.tensor([2, 0, 2, 3])], {"ignore_index": 2})
fx.case("ce_smoothing_weight", "CrossEntropyLoss", nn.CrossEntropyLoss(weight=w5.clone(), label_smoothing=0.1, reduction="sum"),
        [x(4, 5), cls_t], {"weight": 5, "label_smoothing": 0.1, "reduction": "sum"})
fx.case("ce_probs", "CrossEntropyLoss", nn.CrossEntropyLoss(), [x(3, 4), torch.softmax(x(3, 4), 1)], {})
fx.case("ce_spatial", "CrossEntropyLoss", nn.CrossEntropyLoss(reduction="none"), [x(2, 3, 2, 2), torch.tensor([[[0, 2], [1, 1]], [[2, 0], [0, 1]]])],
        {"reduction": "none"})
fx.case("ce_unbatched", "CrossEntropyLoss", nn.CrossEntropyLoss(), [x(5), torch.tensor(3)], {})

for r in REDS:
    fx.case(f"nll_{r}", "NLLLoss", nn.NLLLoss(reduction=r), [torch.log_softmax(x(4, 5), 1), cls_t], {"reduction": r})
fx.case("nll_weight_ignore", "NLLLoss", nn.NLLLoss(weight=w5.clone(), ignore_index=0), [torch.log_softmax(x(4, 5), 1), cls_t],
        {"weight": 5, "ignore_index": 0})

for name, cls in (("mse", nn.MSELoss), ("l1", nn.L1Loss)):
    for r in REDS:
        fx.case(f"{name}_{r}", cls.__name__, cls(reduction=r), [x(3, 4), x(3, 4)], {"reduction": r})
for r in REDS:
    fx.case(f"smoothl1_{r}", "SmoothL1Loss", nn.SmoothL1Loss(reduction=r, beta=0.5), [x(3, 4), x(3, 4)], {"reduction": r, "beta": 0.5})
    fx.case(f"huber_{r}", "HuberLoss", nn.HuberLoss(reduction=r, delta=0.7), [x(3, 4), x(3, 4)], {"reduction": r, "delta": 0.7})
fx.case("smoothl1_default", "SmoothL1Loss", nn.SmoothL1Loss(), [x(5), x(5)], {"beta": 1.0})

for r in REDS:
    fx.case(f"bce_{r}", "BCELoss", nn.BCELoss(reduction=r), [x(3, 4, lo=0.05, hi=0.95), x(3, 4, lo=0, hi=1)], {"reduction": r})
fx.case("bce_weight", "BCELoss", nn.BCELoss(weight=det(4, seed=901, lo=0.5, hi=1.5)),
        [x(3, 4, lo=0.05, hi=0.95), x(3, 4, lo=0, hi=1)], {"weight": 4})
for r in REDS:
    fx.case(f"bcelogits_{r}", "BCEWithLogitsLoss", nn.BCEWithLogitsLoss(reduction=r), [x(3, 4, lo=-4, hi=4), x(3, 4, lo=0, hi=1)], {"reduction": r})
fx.case("bcelogits_weights", "BCEWithLogitsLoss",
        nn.BCEWithLogitsLoss(weight=det(4, seed=902, lo=0.5, hi=1.5), pos_weight=det(4, seed=903, lo=0.5, hi=3)),
        [x(3, 4, lo=-4, hi=4), x(3, 4, lo=0, hi=1)], {"weight": 4, "pos_weight": 4})

for r in REDS + ("batchmean",):
    fx.case(f"kldiv_{r}", "KLDivLoss", nn.KLDivLoss(reduction=r), [torch.log_softmax(x(3, 4), 1), torch.softmax(x(3, 4), 1)],
            {"reduction": r})
fx.case("kldiv_log_target", "KLDivLoss", nn.KLDivLoss(reduction="batchmean", log_target=True),
        [torch.log_softmax(x(3, 4), 1), torch.log_softmax(x(3, 4), 1)], {"reduction": "batchmean", "log_target": True})

y4 = torch.tensor([1.0, -1.0, -1.0, 1.0])
for r in REDS:
    fx.case(f"cosine_{r}", "CosineEmbeddingLoss", nn.CosineEmbeddingLoss(margin=0.2, reduction=r), [x(4, 3), x(4, 3), y4],
            {"reduction": r, "margin": 0.2}, grad_inputs=[0, 1])
    fx.case(f"ranking_{r}", "MarginRankingLoss", nn.MarginRankingLoss(margin=0.1, reduction=r), [x(4), x(4), y4],
            {"reduction": r, "margin": 0.1})
fx.case("cosine_f64", "CosineEmbeddingLoss", nn.CosineEmbeddingLoss(), [x(3, 5, dtype=torch.float64), x(3, 5, dtype=torch.float64),
        torch.tensor([1.0, -1.0, 1.0], dtype=torch.float64)], {"dtype": "float64"}, grad_inputs=[0, 1])
fx.case("mse_f64", "MSELoss", nn.MSELoss(), [x(2, 3, dtype=torch.float64), x(2, 3, dtype=torch.float64)], {"dtype": "float64"})
fx.write()
