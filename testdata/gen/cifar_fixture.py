#!/usr/bin/python3
"""Writes a miniature CIFAR-10 binary archive for data/cifar tests.

Run from the repository root with Debian's python3 (numpy):
    /usr/bin/python3 testdata/gen/cifar_fixture.py
Outputs data/cifar/testdata/mini-cifar-10-binary.tar.gz, laid out like the
official cifar-10-binary.tar.gz (cifar-10-batches-bin/ with six batches plus
batches.meta.txt and readme.html) but with 3 random records per batch, and
data/cifar/testdata/mini-expected.json with, per batch, the labels and for
each image the sum of its red, green and blue planes and its first pixel.
"""
import gzip
import io
import json
import os
import tarfile

import numpy as np

OUT = os.path.join("data", "cifar", "testdata")
NAMES = ["data_batch_%d.bin" % i for i in range(1, 6)] + ["test_batch.bin"]
PER_BATCH = 3


def add(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 0
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def main():
    rng = np.random.default_rng(10)
    expected = {}
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        add(tar, "cifar-10-batches-bin/batches.meta.txt",
            b"airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n")
        for name in NAMES:
            labels = rng.integers(0, 10, size=PER_BATCH, dtype=np.uint8)
            images = rng.integers(0, 256, size=(PER_BATCH, 3, 32, 32), dtype=np.uint8)
            records = b"".join(bytes([labels[i]]) + images[i].tobytes() for i in range(PER_BATCH))
            add(tar, "cifar-10-batches-bin/" + name, records)
            expected[name] = {
                "labels": labels.tolist(),
                "channel_sums": images.reshape(PER_BATCH, 3, -1).sum(axis=2, dtype=np.int64).tolist(),
                "first_pixel_rgb": images[:, :, 0, 0].tolist(),
            }
        add(tar, "cifar-10-batches-bin/readme.html", b"<html>mini fixture</html>\n")
    with open(os.path.join(OUT, "mini-cifar-10-binary.tar.gz"), "wb") as f:
        f.write(gzip.compress(raw.getvalue(), mtime=0))
    with open(os.path.join(OUT, "mini-expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
