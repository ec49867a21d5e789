# Ember's PyTorch reference workload, adapted from the project's anchor benchmarks
# (shared/bench/cnn_fmnist.py). Workloads, measurements and JSON lines are unchanged, so
# that `ember bench --json` lines compare with these one to one (bench/compare).
"""CNN on Fashion-MNIST, Adam 1e-3, batch 128, seed 0, up to 5 epochs; time-to-91%.

conv(1->32,3x3,pad1)-ReLU-maxpool2 - conv(32->64,3x3,pad1)-ReLU-maxpool2 - flatten -
linear(3136->128)-ReLU - linear(128->10).
Usage: python3 cnn_fmnist.py [EPOCHS [SEED]]
"""
import sys

from common import torch  # first: sets threads, finds torch
from train_fmnist import train

nn = torch.nn


def make_model():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))


if __name__ == "__main__":
    train("cnn_fmnist", make_model, (1, 28, 28),
          epochs=int(sys.argv[1]) if len(sys.argv) > 1 else 5, target_acc=0.91,
          seed=int(sys.argv[2]) if len(sys.argv) > 2 else 0)
