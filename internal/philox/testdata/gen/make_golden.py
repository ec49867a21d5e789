#!/usr/bin/python3
"""Writes ../golden.json: reference values for every transform of package philox.

An independent implementation in pure Python of the rules in the package
documentation (doc.go): Philox4x32-10, the counter layout, and the uniform,
integer, Bernoulli and Box-Muller transforms, including the portable Log and
SinCos2Pi. Python floats are IEEE doubles; fused multiply-add is done exactly
with fractions.Fraction and rounded once (float(Fraction) rounds correctly),
and float32 rounding goes through struct. A CUDA kernel can be checked against
the same file.

Run from this directory:  /usr/bin/python3 make_golden.py
"""

import json
import math
import os
import struct
from fractions import Fraction

M32 = 0xFFFFFFFF
M64 = (1 << 64) - 1


def philox(ctr, key, rounds=10):
    c = list(ctr)
    k0, k1 = key
    for r in range(rounds):
        if r:
            k0 = (k0 + 0x9E3779B9) & M32
            k1 = (k1 + 0xBB67AE85) & M32
        p0 = 0xD2511F53 * c[0]
        p1 = 0xCD9E8D57 * c[2]
        c = [(p1 >> 32) ^ c[1] ^ k0, p1 & M32, (p0 >> 32) ^ c[3] ^ k1, p0 & M32]
    return c


def block(seed, offset, j):
    ctr = offset + j  # 128-bit counter, words little-endian
    words = [(ctr >> (32 * t)) & M32 for t in range(4)]
    return philox(words, [seed & M32, seed >> 32])


def word(seed, offset, i):
    return block(seed, offset, i // 4)[i % 4]


def u64(seed, offset, i):
    b = block(seed, offset, i // 2)
    k = 2 * (i % 2)
    return b[k] | (b[k + 1] << 32)


def fma(a, b, c):
    return float(Fraction(a) * Fraction(b) + Fraction(c))


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def f32bits(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def f32from(b):
    return struct.unpack("<f", struct.pack("<I", b))[0]


def f64bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def f64from(b):
    return struct.unpack("<d", struct.pack("<Q", b))[0]


def prev32(x):
    """Largest float32 below x."""
    b = f32bits(x)
    if x == 0:
        return f32from(0x80000001)
    return f32from(b - 1 if x > 0 else b + 1)


# Portable Log and SinCos2Pi (doc comments in portable.go).

PI = Fraction("3.14159265358979323846264338327950288419716939937510582097494459230781640628620899862803")
SQRT2 = f64from(0x3FF6A09E667F3BCD)
LN2 = f64from(0x3FE62E42FEFA39EF)
LOG_COEF = [1 / (2 * k + 3) for k in range(9)]
SIN_COEF = [float((-1) ** k * (2 * PI) ** (2 * k + 1) / math.factorial(2 * k + 1)) for k in range(8)]
COS_COEF = [float((-1) ** k * (2 * PI) ** (2 * k) / math.factorial(2 * k)) for k in range(9)]


def plog(x):
    if x != x or x < 0:
        return math.nan
    if x == 0:
        return -math.inf
    if math.isinf(x):
        return x
    b = f64bits(x)
    e = 0
    if b >> 52 == 0:
        x *= 2.0**54
        b = f64bits(x)
        e = -54
    e += (b >> 52) - 1023
    m = f64from((b & ((1 << 52) - 1)) | (1023 << 52))
    if m > SQRT2:
        m *= 0.5
        e += 1
    s = (m - 1) / (m + 1)
    z = s * s
    q = LOG_COEF[-1]
    for c in reversed(LOG_COEF[:-1]):
        q = fma(q, z, c)
    t = s + s
    return fma(float(e), LN2, fma(t, z * q, t))


def sincos2pi(u):
    w = u - math.floor(u)
    q = math.floor(4 * w + 0.5)
    f = w - q * 0.25
    z = f * f
    sp = SIN_COEF[-1]
    for k in range(len(SIN_COEF) - 2, -1, -1):
        sp = fma(sp, z, SIN_COEF[k])
    cp = COS_COEF[-1]
    for k in range(len(COS_COEF) - 2, -1, -1):
        cp = fma(cp, z, COS_COEF[k])
    s, c = f * sp, cp
    return [(s, c), (c, -s), (-s, -c), (-c, s)][q % 4]


def box_muller(u1, u2):
    r = math.sqrt(-2 * plog(u1))
    s, c = sincos2pi(u2)
    return r * c, r * s


# Element transforms.


def uniform32(seed, offset, i, lo, hi):
    u = (word(seed, offset, i) >> 8) * 2.0**-24
    v = f32(fma(u, hi - lo, lo))
    top = max(lo, prev32(hi))
    return top if v > top else v


def uniform64(seed, offset, i, lo, hi):
    u = (u64(seed, offset, i) >> 11) * 2.0**-53
    v = fma(u, hi - lo, lo)
    top = max(lo, math.nextafter(hi, -math.inf))
    return top if v > top else v


def int32(seed, offset, i, lo, hi):
    return lo + ((word(seed, offset, i) * (hi - lo)) >> 32)


def int64(seed, offset, i, lo, hi):
    return lo + ((u64(seed, offset, i) * (hi - lo)) >> 64)


def bernoulli(seed, offset, i, p):
    t = min(max(math.ceil(p * 2.0**24), 0), 1 << 24)
    return int((word(seed, offset, i) >> 8) < t)


def normal32(seed, offset, i, mean, std):
    b = block(seed, offset, i // 4)
    k = (i % 4) & ~1
    z = box_muller(((b[k] >> 8) + 1) * 2.0**-24, (b[k + 1] >> 8) * 2.0**-24)[i % 2]
    return f32(fma(std, z, mean))


def normal64(seed, offset, i, mean, std):
    b = block(seed, offset, i // 2)
    a = b[0] | (b[1] << 32)
    c = b[2] | (b[3] << 32)
    z = box_muller(((a >> 11) + 1) * 2.0**-53, (c >> 11) * 2.0**-53)[i % 2]
    return fma(std, z, mean)


STREAMS = [
    (0, 0),
    (42, 7),
    (0xDEADBEEFCAFEBABE, 1 << 40),
    (M64, M64 - 5),  # the counter carries into word 2 after six blocks
]
N = 23  # odd, not a multiple of four: exercises every partial-block path


def cases():
    out = []
    for seed, offset in STREAMS:
        base = {"seed": seed, "offset": offset}
        idx = range(N)
        out.append(dict(base, kind="uint32", args=[], out=[word(seed, offset, i) for i in idx]))
        out.append(dict(base, kind="uint64", args=[], out=[u64(seed, offset, i) for i in idx]))
        for lo, hi in [(0.0, 1.0), (1.0, 2.0), (f32(-3.3), f32(7.1)), (f32(-1e-3), f32(1e-3))]:
            vals = [uniform32(seed, offset, i, lo, hi) for i in idx]
            out.append(dict(base, kind="uniform32", args=[f32bits(lo), f32bits(hi)], out=[f32bits(v) for v in vals]))
        for lo, hi in [(0.0, 1.0), (1.0, 2.0), (-3.3, 7.1)]:
            vals = [uniform64(seed, offset, i, lo, hi) for i in idx]
            out.append(dict(base, kind="uniform64", args=[f64bits(lo), f64bits(hi)], out=[f64bits(v) for v in vals]))
        for lo, hi in [(0, 10), (-5, 3), (-(1 << 31), (1 << 31) - 1)]:
            out.append(dict(base, kind="int32", args=[lo, hi], out=[int32(seed, offset, i, lo, hi) for i in idx]))
        for lo, hi in [(0, 10), (-(1 << 40), 1 << 50), (-(1 << 63), (1 << 63) - 1)]:
            out.append(dict(base, kind="int64", args=[lo, hi], out=[int64(seed, offset, i, lo, hi) for i in idx]))
        for p in [0.0, 0.1, 0.5, 0.9, 1.0]:
            out.append(dict(base, kind="bernoulli", args=[f64bits(p)], out=[bernoulli(seed, offset, i, p) for i in idx]))
        for mean, std in [(0.0, 1.0), (f32(1.5), f32(0.02))]:
            vals = [normal32(seed, offset, i, mean, std) for i in idx]
            out.append(dict(base, kind="normal32", args=[f32bits(mean), f32bits(std)], out=[f32bits(v) for v in vals]))
        for mean, std in [(0.0, 1.0), (-2.0, 3.5)]:
            vals = [normal64(seed, offset, i, mean, std) for i in idx]
            out.append(dict(base, kind="normal64", args=[f64bits(mean), f64bits(std)], out=[f64bits(v) for v in vals]))
    return out


def log_inputs():
    xs = [1.0, 2.0, 0.5, 2.0**-53, 2.0**-24, 1 - 2.0**-53, 1 + 2.0**-52, SQRT2, math.nextafter(SQRT2, 2), 1e-300,
          5e-324, 2.2250738585072014e-308 / 3, 3.0, 10.0, 0.1, 1e300, 123456.789]
    xs += [(((k * 0x9E3779B97F4A7C15) & M64) >> 11 | 1) * 2.0**-53 for k in range(1, 40)]
    return xs


def sincos_inputs():
    us = [0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1 - 2.0**-53, 2.0**-53, 0.1, 0.3, -0.2, 1.7, -5.25, 1e6 + 0.3]
    us += [(((k * 0xBB67AE8584CAA73B) & M64) >> 11) * 2.0**-53 for k in range(1, 40)]
    return us


def main():
    data = {
        "cases": cases(),
        "log": [[f64bits(x), f64bits(plog(x))] for x in log_inputs()],
        "sincos2pi": [[f64bits(u)] + [f64bits(v) for v in sincos2pi(u)] for u in sincos_inputs()],
        "sin_coef": [f64bits(c) for c in SIN_COEF],
        "cos_coef": [f64bits(c) for c in COS_COEF],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden.json")
    with open(path, "w") as f:
        json.dump(data, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
