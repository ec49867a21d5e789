#!/usr/bin/python3
"""Writes the golden files of package half (run from this directory with
/usr/bin/python3; needs numpy and torch 1.13).

../f16_to_f32.bin.gz   all 65536 float16 bit patterns widened by numpy:
                       65536 little-endian uint32 float32 bit patterns.
../bf16_to_f32.bin.gz  all 65536 bfloat16 bit patterns widened by torch, same layout.
../f32_narrow.bin.gz   a little-endian uint32 count n, then n float32 input bit
                       patterns (uint32), then numpy's float16 for each (uint16),
                       then torch's bfloat16 for each (uint16).

The inputs are the tricky cases (signed zeros, infinities, NaNs, the extremes
of float32, every float16 rounding boundary among the subnormals and a
sample of those among the normals with their neighbours one float32 ulp
either side, bfloat16 ties and near-ties) followed by random bit patterns
and random values of every magnitude.
"""

import gzip
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, data):
    with gzip.GzipFile(os.path.join(HERE, "..", name), "wb", mtime=0) as f:
        f.write(data)


def widen_tables():
    bits = np.arange(65536, dtype=np.uint32).astype(np.uint16)
    f16 = bits.view(np.float16).astype(np.float32).view(np.uint32)
    write("f16_to_f32.bin.gz", f16.astype("<u4").tobytes())
    bf = torch.from_numpy(bits.view(np.int16).copy()).view(torch.bfloat16).float()
    write("bf16_to_f32.bin.gz", bf.numpy().view(np.uint32).astype("<u4").tobytes())


def with_neighbours(b):
    b = np.asarray(b, dtype=np.int64)
    out = np.concatenate([b - 1, b, b + 1])
    return out[(out >= 0) & (out <= 0xFFFFFFFF)]


def inputs(rng):
    special = [0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000, 0x7F800001, 0xFF800001,
               0x7FA00000, 0x7FFFFFFF, 0x7F7FFFFF, 0xFF7FFFFF, 0x00000001, 0x80000001, 0x007FFFFF, 0x00800000,
               0x477FE000, 0x477FEFFF, 0x477FF000, 0x477FF001, 0x47800000, 0x38800000, 0x387FFFFF, 0x33800000,
               0x33000000, 0x33000001, 0x32FFFFFF, 0x33400000, 0x3F800000, 0xBF800000, 0x7F7F8000, 0x7F7F7FFF]
    parts = [np.array(special, dtype=np.int64)]
    # float16 rounding boundaries: the midpoints between neighbouring positive
    # finite float16 values, exact in float32.
    lo = np.arange(0, 0x7BFF, dtype=np.uint16)
    mids = ((lo.view(np.float16).astype(np.float64) + (lo + 1).view(np.float16).astype(np.float64)) / 2).astype(np.float32)
    mid_bits = mids.view(np.uint32).astype(np.int64)
    pick = np.concatenate([mid_bits[:1024], mid_bits[1024::8]])
    parts.append(with_neighbours(pick))
    # bfloat16 ties and near-ties under random finite upper halves.
    upper = rng.integers(0, 0x7F80, size=6000, dtype=np.int64) << 16
    parts.append(with_neighbours(upper | 0x8000))
    sample = np.concatenate(parts)
    sample = np.concatenate([sample, sample | 0x80000000]) & 0xFFFFFFFF  # both signs
    rand_bits = rng.integers(0, 1 << 32, size=20000, dtype=np.int64)
    mags = rng.standard_normal(20000) * 10.0 ** rng.uniform(-12, 7, size=20000)
    rand_vals = mags.astype(np.float32).view(np.uint32).astype(np.int64)
    return np.concatenate([sample, rand_bits, rand_vals]).astype(np.uint32)


def narrow(x_bits):
    x = x_bits.view(np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        f16 = x.astype(np.float16).view(np.uint16)
    bf = torch.from_numpy(x.copy()).to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16)
    n = np.array([len(x_bits)], dtype="<u4")
    write("f32_narrow.bin.gz", n.tobytes() + x_bits.astype("<u4").tobytes() + f16.astype("<u2").tobytes() + bf.astype("<u2").tobytes())


def main():
    rng = np.random.default_rng(20240611)
    widen_tables()
    narrow(inputs(rng))


if __name__ == "__main__":
    main()
