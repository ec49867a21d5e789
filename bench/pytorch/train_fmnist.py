# Ember's PyTorch reference workload, adapted from the project's anchor benchmarks
# (shared/bench/train_fmnist.py). Workloads, measurements and JSON lines are unchanged, so
# that `ember bench --json` lines compare with these one to one (bench/compare).
"""Shared Fashion-MNIST training loop for mlp_fmnist.py and cnn_fmnist.py.

Plain loop, no DataLoader: the whole training set is a float tensor in memory; each epoch
uses torch.randperm (seeded) and batches of 128 (the last batch of an epoch has 96 samples).
Loss: cross-entropy; optimizer: Adam(lr=1e-3), defaults otherwise. Evaluation (test set,
batches of 1000, no grad) runs after every epoch and is NOT counted in training time.
"""
import time

from common import DEVICE, emit, mark, peak_rss_mb, sync, torch, load_fashion_mnist

import torch.nn.functional as F

BATCH = 128
WARMUP_STEPS = 20  # excluded from the steady-state throughput


def train(name, make_model, image_shape, epochs, target_acc=None, seed=0):
    torch.manual_seed(seed)
    xtr, ytr, xte, yte = load_fashion_mnist()
    xtr, xte = xtr.view(-1, *image_shape).to(DEVICE), xte.view(-1, *image_shape).to(DEVICE)
    ytr, yte = ytr.to(DEVICE), yte.to(DEVICE)
    model = make_model().to(DEVICE)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(seed)
    cfg = {"model": name, "batch": BATCH, "optimizer": "adam", "lr": 1e-3, "epochs": epochs,
           "seed": seed, "params": sum(p.numel() for p in model.parameters())}
    n, step, train_time, steady_time, steady_samples = len(xtr), 0, 0.0, 0.0, 0
    epoch_times, accs, tta = [], [], None
    mark()
    wall0 = time.perf_counter()
    for epoch in range(1, epochs + 1):
        model.train()
        perm = torch.randperm(n, generator=gen).to(DEVICE)
        loss_sum = torch.zeros((), device=DEVICE)
        t0 = time.perf_counter()
        for s in range(0, n, BATCH):
            idx = perm[s:s + BATCH]
            loss = F.cross_entropy(model(xtr[idx]), ytr[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.detach() * len(idx)
            step += 1
            if step == WARMUP_STEPS:
                sync()
                t_steady = time.perf_counter()
            elif step > WARMUP_STEPS:
                steady_samples += len(idx)
        sync()
        t1 = time.perf_counter()
        epoch_times.append(t1 - t0)
        train_time += t1 - t0
        steady_time += t1 - (t_steady if epoch == 1 else t0)
        acc = evaluate(model, xte, yte)
        accs.append(acc)
        emit(name + "_epoch", dict(cfg, epoch=epoch), "test_accuracy", acc, "fraction",
             epoch_time_s=t1 - t0, train_loss=loss_sum.item() / n)
        if tta is None and target_acc is not None and acc >= target_acc:
            tta = (epoch, train_time, time.perf_counter() - wall0)
    emit(name, cfg, "train_throughput", steady_samples / steady_time, "samples/s",
         note="steady state: all steps after the first %d, eval excluded" % WARMUP_STEPS)
    med_epoch = sorted(epoch_times)[len(epoch_times) // 2]
    emit(name, cfg, "epoch_time", med_epoch, "s", min=min(epoch_times), max=max(epoch_times),
         per_epoch=[round(t, 3) for t in epoch_times])
    emit(name, cfg, "test_accuracy", accs[-1], "fraction", per_epoch=[round(a, 4) for a in accs])
    if target_acc is not None:
        tcfg = dict(cfg, target=target_acc)
        if tta is None:
            emit(name, tcfg, "time_to_accuracy", None, "s", note="target not reached")
        else:
            emit(name, tcfg, "time_to_accuracy", tta[1], "s", epoch=tta[0], wall_incl_eval_s=tta[2],
                 note="sum of training time of epochs up to the first whose test acc >= target")
    emit(name, cfg, "peak_rss", peak_rss_mb(), "MiB")


@torch.no_grad()
def evaluate(model, x, y):
    model.eval()
    correct = sum((model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item()
                  for i in range(0, len(x), 1000))
    return correct / len(x)
