"""Golden fixtures for the recurrent layers of package nn (nn/rnn.go,
nn/lstm.go, nn/gru.go).

Run from the repository root: /usr/bin/python3 testdata/gen/nn_rnn.py

Writes, under nn/testdata/:

  rnn_layers.json   one case per layer configuration: the layer's kind and
                    options, its state dict (seeded default initialisation),
                    the inputs, the outputs in eval mode, random output
                    gradients, and the gradients of
                    sum(out*g_out) + sum(h_n*g_h) (+ sum(c_n*g_c)) with
                    respect to the inputs and every parameter.
  rnn_lstm_model.safetensors, rnn_lstm_model.json
                    a small model (embedding -> 2-layer LSTM -> linear)
                    whose state dict is written as safetensors with the
                    stdlib writer of safetensors/testdata/gen/make_golden.py,
                    and a batch of token ids with the model's output.

Tensors are {"shape", "data"} with data flattened row-major (float64
values of the float32 tensors), as testdata/gen/golden.py encodes them.
"""
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "safetensors", "testdata", "gen"))
from golden import enc  # noqa: E402
import make_golden  # noqa: E402

OUT = os.path.join(HERE, "..", "..", "nn", "testdata")


def rnd(*shape):
    return torch.rand(shape, dtype=torch.float64).mul(2).sub(1).float()


def write_json(name, doc):
    path = os.path.join(OUT, name)
    with open(path + ".tmp", "w") as f:
        json.dump(shrink(doc), f, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    os.replace(path + ".tmp", path)
    print("wrote", path)


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


def run_case(name, kind, config, batch=2, steps=4, state=True, unbatched=False):
    torch.manual_seed(len(cases) + 1)
    cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind]
    kw = dict(config)
    m = cls(**kw).eval()
    D = 2 if kw.get("bidirectional") else 1
    L, H, I = kw.get("num_layers", 1), kw["hidden_size"], kw["input_size"]
    bf = kw.get("batch_first", False)
    if unbatched:
        x = rnd(steps, I)
        sshape = (L * D, H)
    else:
        x = rnd(batch, steps, I) if bf else rnd(steps, batch, I)
        sshape = (L * D, batch, H)
    inputs = {"x": x.requires_grad_()}
    if state:
        inputs["h0"] = rnd(*sshape).requires_grad_()
        if kind == "lstm":
            inputs["c0"] = rnd(*sshape).requires_grad_()
    if kind == "lstm":
        hx = (inputs["h0"], inputs["c0"]) if state else None
        out, (hn, cn) = m(x, hx)
        outs = {"out": out, "hn": hn, "cn": cn}
    else:
        out, hn = m(x, inputs.get("h0"))
        outs = {"out": out, "hn": hn}
    gouts = {k: rnd(*v.shape) for k, v in outs.items()}
    loss = sum((v * gouts[k]).sum() for k, v in outs.items())
    loss.backward()
    grads = {k: enc(v.grad) for k, v in inputs.items()}
    grads.update({k: enc(p.grad) for k, p in m.named_parameters()})
    cases.append({
        "name": name, "layer": kind, "config": config,
        "state": {k: enc(v) for k, v in m.state_dict().items()},
        "keys": list(m.state_dict().keys()),
        "inputs": {k: enc(v) for k, v in inputs.items()},
        "outputs": {k: enc(v) for k, v in outs.items()},
        "grad_outputs": {k: enc(v) for k, v in gouts.items()},
        "grads": grads,
    })


def run_cell(name, kind, config, batch=3, unbatched=False):
    torch.manual_seed(len(cases) + 1)
    cls = {"rnn_cell": torch.nn.RNNCell, "lstm_cell": torch.nn.LSTMCell, "gru_cell": torch.nn.GRUCell}[kind]
    m = cls(**config)
    I, H = config["input_size"], config["hidden_size"]
    shape = () if unbatched else (batch,)
    inputs = {"x": rnd(*shape, I).requires_grad_(), "h0": rnd(*shape, H).requires_grad_()}
    if kind == "lstm_cell":
        inputs["c0"] = rnd(*shape, H).requires_grad_()
        h, c = m(inputs["x"], (inputs["h0"], inputs["c0"]))
        outs = {"hn": h, "cn": c}
    else:
        outs = {"hn": m(inputs["x"], inputs["h0"])}
    gouts = {k: rnd(*v.shape) for k, v in outs.items()}
    sum((v * gouts[k]).sum() for k, v in outs.items()).backward()
    grads = {k: enc(v.grad) for k, v in inputs.items()}
    grads.update({k: enc(p.grad) for k, p in m.named_parameters()})
    cases.append({
        "name": name, "layer": kind, "config": config,
        "state": {k: enc(v) for k, v in m.state_dict().items()},
        "keys": list(m.state_dict().keys()),
        "inputs": {k: enc(v) for k, v in inputs.items()},
        "outputs": {k: enc(v) for k, v in outs.items()},
        "grad_outputs": {k: enc(v) for k, v in gouts.items()},
        "grads": grads,
    })


for kind in ["rnn", "lstm", "gru"]:
    run_case(f"{kind}/one_layer", kind, {"input_size": 3, "hidden_size": 4})
    run_case(f"{kind}/zero_state", kind, {"input_size": 3, "hidden_size": 4}, state=False)
    run_case(f"{kind}/two_layers_bidirectional", kind,
             {"input_size": 3, "hidden_size": 4, "num_layers": 2, "bidirectional": True, "dropout": 0.3})
    run_case(f"{kind}/batch_first_no_bias", kind,
             {"input_size": 2, "hidden_size": 3, "batch_first": True, "bias": False, "num_layers": 2}, batch=3)
    run_case(f"{kind}/unbatched", kind, {"input_size": 3, "hidden_size": 2, "bidirectional": True}, unbatched=True)
run_case("rnn/relu", "rnn", {"input_size": 3, "hidden_size": 4, "nonlinearity": "relu", "num_layers": 2})
run_case("lstm/three_layers_long", "lstm", {"input_size": 5, "hidden_size": 6, "num_layers": 3}, steps=12, batch=1)
for kind in ["rnn_cell", "lstm_cell", "gru_cell"]:
    run_cell(f"{kind}/batch", kind, {"input_size": 3, "hidden_size": 4})
    run_cell(f"{kind}/unbatched_no_bias", kind, {"input_size": 2, "hidden_size": 3, "bias": False}, unbatched=True)
run_cell("rnn_cell/relu", "rnn_cell", {"input_size": 3, "hidden_size": 4, "nonlinearity": "relu"})

write_json("rnn_layers.json", {"generator": "testdata/gen/nn_rnn.py", "torch": torch.__version__, "cases": cases})


class Model(torch.nn.Module):
    """The model-level check: embedding -> 2-layer LSTM -> linear."""

    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(20, 8)
        self.lstm = torch.nn.LSTM(8, 16, num_layers=2, batch_first=True)
        self.fc = torch.nn.Linear(16, 5)

    def forward(self, ids):
        out, _ = self.lstm(self.embedding(ids))
        return self.fc(out)


torch.manual_seed(1234)
model = Model().eval()
ids = torch.randint(0, 20, (3, 7))
with torch.no_grad():
    logits = model(ids)
tensors = [make_golden.from_torch(k, v) for k, v in model.state_dict().items()]
blob, _, _ = make_golden.canonical(tensors, {"format": "pt", "model": "embedding-lstm-linear"})
path = os.path.join(OUT, "rnn_lstm_model.safetensors")
with open(path + ".tmp", "wb") as f:
    f.write(blob)
os.replace(path + ".tmp", path)
print("wrote", path)
write_json("rnn_lstm_model.json", {"generator": "testdata/gen/nn_rnn.py", "torch": torch.__version__,
                                   "keys": list(model.state_dict().keys()),
                                   "ids": enc(ids), "logits": enc(logits)})
