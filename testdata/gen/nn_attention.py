"""Golden fixtures for MultiheadAttention and the transformer layers of
package nn (nn/attention.go, nn/transformer.go).

Run from the repository root: /usr/bin/python3 testdata/gen/nn_attention.py

Writes nn/testdata/rnn_attention.json: one case per configuration, with
the layer's kind and options, its state dict (seeded default
initialisation, then biases and norms set to random values so that they
matter), the inputs, the outputs in eval mode, random output gradients, and
the gradients of sum(out * g_out) (+ sum(weights * g_w)) with respect to
every float input and every parameter. Masks are inputs too ("masks"),
without gradients. Tensors are {"shape", "dtype", "data"} as
testdata/gen/golden.py encodes them.
"""
import json
import os

import torch

from golden import enc

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "nn", "testdata", "rnn_attention.json")


def rnd(*shape):
    return torch.rand(shape, dtype=torch.float64).mul(2).sub(1).float()


def shrink(obj):
    """Write float32 data with 9 significant digits (enough to give back
    every float32 exactly), halving the fixture's size."""
    if isinstance(obj, dict):
        if obj.get("dtype") == "float32" and "data" in obj:
            obj["data"] = [float("%.9g" % v) if isinstance(v, float) else v for v in obj["data"]]
        for v in obj.values():
            shrink(v)
    elif isinstance(obj, list):
        for v in obj:
            shrink(v)
    return obj


cases = []


def perturb(m):
    """Give zero-initialised biases and the norms random values."""
    with torch.no_grad():
        for k, p in m.named_parameters():
            if "bias" in k or "norm" in k:
                p.copy_(rnd(*p.shape) * 0.5 + (1 if "norm" in k and k.endswith("weight") else 0))


def record(name, kind, config, m, inputs, masks, run):
    m.eval()
    outs = run(m, inputs, masks)
    gouts = {k: rnd(*v.shape) for k, v in outs.items() if v is not None}
    sum((outs[k] * g).sum() for k, g in gouts.items()).backward()
    grads = {k: enc(v.grad) for k, v in inputs.items()}
    grads.update({k: enc(p.grad) for k, p in m.named_parameters()})
    cases.append({
        "name": name, "layer": kind, "config": config,
        "state": {k: enc(v) for k, v in m.state_dict().items()},
        "keys": list(m.state_dict().keys()),
        "inputs": {k: enc(v) for k, v in inputs.items()},
        "masks": {k: enc(v) for k, v in masks.items()},
        "outputs": {k: enc(v) for k, v in outs.items() if v is not None},
        "grad_outputs": {k: enc(v) for k, v in gouts.items()},
        "grads": grads,
    })


def mha_case(name, config, q, k=None, v=None, need_weights=True, average=True, **masks):
    torch.manual_seed(len(cases) + 1)
    kw = {key: val for key, val in config.items()}
    m = torch.nn.MultiheadAttention(**kw)
    perturb(m)
    inputs = {"query": q.requires_grad_()}
    if k is not None:
        inputs["key"] = k.requires_grad_()
        inputs["value"] = v.requires_grad_()

    def run(m, ins, masks):
        qq = ins["query"]
        kk, vv = ins.get("key", qq), ins.get("value", qq)
        out, w = m(qq, kk, vv, key_padding_mask=masks.get("key_padding_mask"), need_weights=need_weights,
                   attn_mask=masks.get("attn_mask"), average_attn_weights=average)
        return {"out": out, "weights": w}
    cfg = dict(config, need_weights=need_weights, average_attn_weights=average)
    record(name, "mha", cfg, m, inputs, masks, run)


E = 8
mha_case("mha/self_seq_first", {"embed_dim": E, "num_heads": 2}, rnd(4, 3, E))
mha_case("mha/cross_batch_first_per_head", {"embed_dim": E, "num_heads": 4, "batch_first": True},
         rnd(2, 3, E), rnd(2, 5, E), rnd(2, 5, E), average=False)
mha_case("mha/kdim_vdim", {"embed_dim": E, "num_heads": 2, "kdim": 3, "vdim": 5}, rnd(4, 2, E), rnd(6, 2, 3), rnd(6, 2, 5))
mha_case("mha/no_bias_no_weights", {"embed_dim": E, "num_heads": 2, "bias": False}, rnd(3, 2, E), rnd(4, 2, E), rnd(4, 2, E),
         need_weights=False)
kpm = torch.tensor([[False, False, True, False, True], [False, False, False, False, False]])
bool_mask = torch.rand(4, 5) > 0.7
bool_mask[:, 0] = False
mha_case("mha/bool_masks", {"embed_dim": E, "num_heads": 2}, rnd(4, 2, E), rnd(5, 2, E), rnd(5, 2, E),
         attn_mask=bool_mask, key_padding_mask=kpm)
mha_case("mha/float_mask_3d_with_padding", {"embed_dim": E, "num_heads": 2}, rnd(4, 2, E), rnd(5, 2, E), rnd(5, 2, E),
         attn_mask=rnd(4, 4, 5), key_padding_mask=kpm)
causal = torch.triu(torch.full((5, 5), float("-inf")), 1)
mha_case("mha/causal_float_mask", {"embed_dim": E, "num_heads": 2}, rnd(5, 2, E), attn_mask=causal)
mha_case("mha/unbatched", {"embed_dim": E, "num_heads": 2}, rnd(3, E), rnd(4, E), rnd(4, E),
         key_padding_mask=torch.tensor([False, True, False, False]))


def transformer_case(name, kind, config, src, tgt=None, **masks):
    torch.manual_seed(len(cases) + 1)
    if kind == "encoder_layer":
        m = torch.nn.TransformerEncoderLayer(**config)
    elif kind == "decoder_layer":
        m = torch.nn.TransformerDecoderLayer(**config)
    else:
        layer_cfg = {k: v for k, v in config.items() if k not in ("num_layers", "final_norm")}
        layer = torch.nn.TransformerEncoderLayer(**layer_cfg)
        norm = torch.nn.LayerNorm(config["d_model"], eps=layer_cfg.get("layer_norm_eps", 1e-5)) if config["final_norm"] else None
        m = torch.nn.TransformerEncoder(layer, config["num_layers"], norm=norm, enable_nested_tensor=False)
    perturb(m)
    inputs = {"src": src.requires_grad_()}
    if tgt is not None:
        inputs["tgt"] = tgt.requires_grad_()

    def run(m, ins, masks):
        if kind == "decoder_layer":
            out = m(ins["tgt"], ins["src"], tgt_mask=masks.get("tgt_mask"), memory_mask=masks.get("memory_mask"),
                    tgt_key_padding_mask=masks.get("tgt_key_padding_mask"),
                    memory_key_padding_mask=masks.get("memory_key_padding_mask"))
        elif kind == "encoder_layer":
            out = m(ins["src"], src_mask=masks.get("mask"), src_key_padding_mask=masks.get("src_key_padding_mask"))
        else:
            out = m(ins["src"], mask=masks.get("mask"), src_key_padding_mask=masks.get("src_key_padding_mask"))
        return {"out": out}
    record(name, kind, config, m, inputs, masks, run)


base = {"d_model": E, "nhead": 2, "dim_feedforward": 16}
transformer_case("encoder_layer/post_norm_relu", "encoder_layer", base, rnd(5, 2, E))
transformer_case("encoder_layer/pre_norm_gelu_batch_first", "encoder_layer",
                 dict(base, norm_first=True, activation="gelu", batch_first=True, layer_norm_eps=1e-3), rnd(2, 5, E),
                 mask=torch.triu(torch.ones(5, 5, dtype=torch.bool), 1),
                 src_key_padding_mask=torch.tensor([[False] * 4 + [True], [False] * 5]))
transformer_case("decoder_layer/post_norm", "decoder_layer", base, rnd(6, 2, E), rnd(4, 2, E),
                 tgt_mask=torch.triu(torch.full((4, 4), float("-inf")), 1),
                 memory_key_padding_mask=torch.tensor([[False] * 5 + [True], [False] * 6]))
transformer_case("decoder_layer/pre_norm_gelu_batch_first", "decoder_layer",
                 dict(base, norm_first=True, activation="gelu", batch_first=True), rnd(2, 6, E), rnd(2, 3, E),
                 memory_mask=torch.rand(3, 6) > 0.8)
transformer_case("encoder/two_layers_final_norm", "encoder", dict(base, num_layers=2, final_norm=True), rnd(4, 3, E),
                 src_key_padding_mask=torch.tensor([[False] * 4, [False, False, True, True], [False] * 3 + [True]]))
transformer_case("encoder/three_layers_pre_norm", "encoder",
                 dict(base, num_layers=3, final_norm=False, norm_first=True), rnd(3, 2, E))

with open(OUT + ".tmp", "w") as f:
    json.dump(shrink({"generator": "testdata/gen/nn_attention.py", "torch": torch.__version__, "cases": cases}), f,
              separators=(",", ":"), allow_nan=False)
    f.write("\n")
os.replace(OUT + ".tmp", OUT)
print("wrote", OUT, len(cases), "cases")
