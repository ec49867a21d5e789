#!/usr/bin/python3
"""Writes the embedded Fashion-MNIST sample used when no full dataset is found.

Run from the repository root with Debian's python3 (numpy) and the Debian
package dataset-fashion-mnist installed (apt-get install dataset-fashion-mnist):
    /usr/bin/python3 testdata/gen/fmnist_sample.py
Reads /usr/share/datasets/fashion-mnist/*.gz and writes, as gzipped IDX files
(deterministic: gzip mtime 0, no file name), the first 4000 training and the
first 1000 test images and labels to data/datasets/fmnist-sample/, and what
the Go tests check to data/datasets/testdata/fmnist-sample-expected.json:
per split the count, the label histogram, the total pixel sum, the pixel sums
of the first five images and the SHA-256 of the raw uint8 arrays.
"""
import gzip
import hashlib
import json
import os
import struct

import numpy as np

SRC = "/usr/share/datasets/fashion-mnist"
OUT = os.path.join("data", "datasets", "fmnist-sample")
EXPECTED = os.path.join("data", "datasets", "testdata", "fmnist-sample-expected.json")
SPLITS = {"train": ("train", 4000), "test": ("t10k", 1000)}


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    zero, code, ndim = struct.unpack_from(">HBB", raw)
    assert zero == 0 and code == 0x08, path
    dims = struct.unpack_from(">" + "I" * ndim, raw, 4)
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def write_idx(path, arr):
    head = struct.pack(">HBB", 0, 0x08, arr.ndim) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
    with open(path, "wb") as f:
        f.write(gzip.compress(head + arr.tobytes(), compresslevel=9, mtime=0))


def main():
    os.makedirs(OUT, exist_ok=True)
    expected = {}
    for split, (prefix, n) in SPLITS.items():
        images = read_idx(os.path.join(SRC, prefix + "-images-idx3-ubyte.gz"))[:n]
        labels = read_idx(os.path.join(SRC, prefix + "-labels-idx1-ubyte.gz"))[:n]
        write_idx(os.path.join(OUT, prefix + "-images-idx3-ubyte.gz"), images)
        write_idx(os.path.join(OUT, prefix + "-labels-idx1-ubyte.gz"), labels)
        expected[split] = {
            "count": int(n),
            "label_histogram": np.bincount(labels, minlength=10).tolist(),
            "pixel_sum": int(images.sum(dtype=np.int64)),
            "first_image_sums": images[:5].reshape(5, -1).sum(axis=1, dtype=np.int64).tolist(),
            "first_labels": labels[:5].tolist(),
            "images_sha256": hashlib.sha256(images.tobytes()).hexdigest(),
            "labels_sha256": hashlib.sha256(labels.tobytes()).hexdigest(),
        }
    with open(EXPECTED, "w") as f:
        json.dump(expected, f, indent=1)


if __name__ == "__main__":
    main()
