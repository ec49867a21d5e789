#!/usr/bin/python3
"""Writes IDX fixtures of every element type for data/idx tests.

Run from the repository root with Debian's python3 (numpy):
    /usr/bin/python3 testdata/gen/idx_fixtures.py
Outputs data/idx/testdata/*.idx[.gz] and data/idx/testdata/expected.json.
The IDX bytes are built with numpy's explicit big-endian dtypes, independently
of the Go code under test.
"""
import gzip
import json
import os
import struct

import numpy as np

OUT = os.path.join("data", "idx", "testdata")

CODES = {"uint8": 0x08, "int8": 0x09, "int16": 0x0B, "int32": 0x0C,
         "float32": 0x0D, "float64": 0x0E}
BIG = {"uint8": "u1", "int8": "i1", "int16": ">i2", "int32": ">i4",
       "float32": ">f4", "float64": ">f8"}


def idx_bytes(arr, name):
    head = struct.pack(">BBBB", 0, 0, CODES[name], arr.ndim)
    head += struct.pack(">" + "I" * arr.ndim, *arr.shape)
    return head + arr.astype(BIG[name]).tobytes()


def main():
    rng = np.random.default_rng(20240601)
    cases = [
        ("u8_2x3x4", "uint8", rng.integers(0, 256, size=(2, 3, 4)), False),
        ("i8_5", "int8", rng.integers(-128, 128, size=(5,)), False),
        ("i16_3x2", "int16", rng.integers(-32768, 32768, size=(3, 2)), True),
        ("i32_2x2", "int32", np.array([[-2**31, 2**31 - 1], [0, -7]]), False),
        ("f32_4", "float32", rng.standard_normal(4).astype(np.float32), False),
        ("f64_2x1x3", "float64", rng.standard_normal((2, 1, 3)), True),
        ("u8_empty", "uint8", np.zeros((0, 28), dtype=np.uint8), False),
    ]
    expected = {}
    for stem, name, arr, gz in cases:
        arr = np.asarray(arr).astype(BIG[name].replace(">", "<"))
        data = idx_bytes(arr, name)
        fname = stem + ".idx" + (".gz" if gz else "")
        if gz:
            data = gzip.compress(data, mtime=0)
        with open(os.path.join(OUT, fname), "wb") as f:
            f.write(data)
        expected[fname] = {
            "dtype": name,
            "dims": list(arr.shape),
            "values": [float(v) for v in arr.reshape(-1)],
        }
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
