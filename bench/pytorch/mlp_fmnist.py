# Ember's PyTorch reference workload, adapted from the project's anchor benchmarks
# (shared/bench/mlp_fmnist.py). Workloads, measurements and JSON lines are unchanged, so
# that `ember bench --json` lines compare with these one to one (bench/compare).
"""MLP 784-512-256-10 (ReLU) on Fashion-MNIST, Adam 1e-3, batch 128, 5 epochs, seed 0.

Usage: python3 mlp_fmnist.py [EPOCHS [SEED]]
"""
import sys

from common import torch  # first: sets threads, finds torch
from train_fmnist import train

nn = torch.nn


def make_model():
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
                         nn.Linear(256, 10))


if __name__ == "__main__":
    train("mlp_fmnist", make_model, (784,), epochs=int(sys.argv[1]) if len(sys.argv) > 1 else 5,
          seed=int(sys.argv[2]) if len(sys.argv) > 2 else 0)
