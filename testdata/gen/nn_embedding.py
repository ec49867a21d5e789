"""Fixtures for Embedding (nn/testdata/embedding.json): plain lookups with
repeated ids, padding_idx (the row gets no gradient, its values are still
returned), max_norm renormalisation (the weight changes in place).

Run: /usr/bin/python3 testdata/gen/nn_embedding.py
"""
import torch
from torch import nn

from nn_fixture import NNFixture, det, fill

fx = NNFixture("embedding")


def emb(name, n, d, ids, seed, dtype=torch.float32, **kw):
    m = fill(nn.Embedding(n, d, **kw).to(dtype), seed)
    args = {"num": n, "dim": d}
    for k, v in kw.items():
        args[k] = v
    if dtype == torch.float64:
        args["dtype"] = "float64"
    fx.case(name, "Embedding", m, [ids], args)


ids = torch.tensor([[0, 2, 4, 2], [1, 1, 3, 0]])
emb("embedding", 5, 3, ids, 1)
emb("embedding_int32", 5, 3, ids.to(torch.int32), 2)
emb("embedding_1d", 4, 2, torch.tensor([3, 0, 3]), 3)
emb("embedding_padding", 5, 3, ids, 4, padding_idx=1)
emb("embedding_padding_negative", 5, 3, ids, 5, padding_idx=-1)
emb("embedding_max_norm", 6, 4, torch.tensor([[0, 5, 5], [2, 3, 0]]), 6, max_norm=0.8)
emb("embedding_max_norm_l1", 6, 4, torch.tensor([1, 4, 4, 2]), 7, max_norm=1.1, norm_type=1.0)
emb("embedding_f64", 4, 3, torch.tensor([[3, 1], [1, 2]]), 8, dtype=torch.float64, padding_idx=2)
fx.write()
