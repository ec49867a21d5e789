"""Model-level fixture: a small CNN trained for a few steps in PyTorch,
saved as safetensors, with an input batch, its eval-mode output and the
layer table nn.Summary should print (nn/testdata/cnn.safetensors,
nn/testdata/cnn.json).

The safetensors bytes are laid out with the stdlib writer of
safetensors/testdata/gen/make_golden.py (imported, not copied): the
safetensors Python package is not installed here.

Run: /usr/bin/python3 testdata/gen/nn_model.py
"""
import json
import os
import sys

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "safetensors", "testdata", "gen"))
import make_golden as st  # noqa: E402
from golden import enc  # noqa: E402

OUT = os.path.join(HERE, "..", "..", "nn", "testdata")


class CNN(nn.Module):
    """conv-bn-relu-pool x2, flatten, linear-relu-dropout-linear."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(16)
        self.relu2 = nn.ReLU()
        self.pool2 = nn.MaxPool2d(2)
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(16 * 3 * 3, 32)
        self.relu3 = nn.ReLU()
        self.drop = nn.Dropout(0.5)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = self.pool1(self.relu1(self.bn1(self.conv1(x))))
        x = self.pool2(self.relu2(self.bn2(self.conv2(x))))
        x = self.flatten(x)
        x = self.drop(self.relu3(self.fc1(x)))
        return self.fc2(x)


def main():
    torch.manual_seed(0)
    net = CNN()
    opt = torch.optim.SGD(net.parameters(), lr=0.05)
    # A few training steps, so that weights and running statistics are
    # not their initial values.
    for _ in range(3):
        xb = torch.randn(8, 1, 12, 12)
        yb = torch.randint(0, 10, (8,))
        opt.zero_grad()
        nn.functional.cross_entropy(net(xb), yb).backward()
        opt.step()
    net.eval()
    x = torch.randn(4, 1, 12, 12)
    rows = []
    hooks = []
    for name, m in net.named_children():
        def hook(mod, inp, out, name=name):
            rows.append({"name": name, "type": type(mod).__name__, "shape": list(out.shape),
                         "params": sum(p.numel() for p in mod.parameters(recurse=False))})
        hooks.append(m.register_forward_hook(hook))
    with torch.no_grad():
        y = net(x)
    for h in hooks:
        h.remove()
    ts = [st.from_torch(k, v.detach()) for k, v in net.state_dict().items()]
    blob, _, _ = st.canonical(ts, {"format": "pt"})
    with open(os.path.join(OUT, "cnn.safetensors"), "wb") as f:
        f.write(blob)
    doc = {"generator": "testdata/gen/nn_model.py", "torch": torch.__version__,
           "keys": list(net.state_dict().keys()), "input": enc(x), "output": enc(y), "layers": rows,
           "total_params": sum(p.numel() for p in net.parameters())}
    with open(os.path.join(OUT, "cnn.json"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print("wrote nn/testdata/cnn.safetensors", len(blob), "bytes and nn/testdata/cnn.json")


if __name__ == "__main__":
    main()
