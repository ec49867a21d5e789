#!/usr/bin/python3
"""Writes the golden safetensors files the Go tests read.

Run from anywhere with Debian's interpreter (it has torch 1.13 and numpy):

    /usr/bin/python3 safetensors/testdata/gen/make_golden.py

The safetensors Python package is not used (it is not installed here): the
bytes are laid out by hand from the format's specification
(https://github.com/huggingface/safetensors, README "Format") and the
reference writer's documented behaviour (safetensors/src/tensor.rs,
`prepare`): tensors sorted by dtype alignment, largest first, then by name;
compact JSON header with __metadata__ first; header padded with spaces to a
multiple of 8. Tensor bytes come from torch or numpy (`tobytes` of a
little-endian array); expected values come from torch/numpy decoding the same
tensors, independently of the Go code under test.

Outputs, in safetensors/testdata/golden/:
  dtypes.safetensors   one tensor of every dtype, canonical layout
  model.safetensors    a torch nn.Sequential state_dict, canonical layout
  messy.safetensors    a valid but non-canonical file: pretty-printed header
                       with \\u escapes, keys in no order, an unknown field,
                       data in no order, header length not a multiple of 8
  messy_canonical.safetensors  the tensors of messy.safetensors, canonical
  golden.json          for every file: metadata, and for every tensor its
                       dtype, shape, offsets, hex bytes and decoded values
                       (floats as float.hex strings, integers as decimal
                       strings, complex as interleaved real/imaginary)
"""

import json
import math
import os
import struct

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden")

# The reference implementation's Dtype enum, in its order (increasing
# alignment); the writer sorts by this order, descending.
RANK = [
    "BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3",
    "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ", "I16", "U16", "F16", "BF16",
    "I32", "U32", "F32", "C64", "F64", "I64", "U64",
]


def fstr(x):
    """A float as an exact string Go's strconv.ParseFloat reads back."""
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x.hex()


class T:
    """One tensor: name, dtype name, shape, raw bytes, expected values."""

    def __init__(self, name, dtype, shape, data, values):
        self.name, self.dtype, self.shape = name, dtype, list(shape)
        self.data, self.values = bytes(data), values


def from_torch(name, t):
    t = t.contiguous()
    dtype = {
        torch.float64: "F64", torch.float32: "F32", torch.float16: "F16",
        torch.bfloat16: "BF16", torch.int64: "I64", torch.int32: "I32",
        torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
        torch.bool: "BOOL",
    }[t.dtype]
    if t.dtype == torch.bfloat16:
        # numpy has no bfloat16: take the raw 16-bit patterns.
        data = t.view(torch.int16).numpy().astype("<i2").tobytes()
    else:
        arr = t.numpy()
        data = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
    flat = t.reshape(-1)
    if t.is_floating_point():
        values = [fstr(v) for v in flat.double().tolist()]
    else:
        values = [str(int(v)) for v in flat.long().tolist()]
    return T(name, dtype, t.shape, data, values)


def from_numpy(name, dtype, arr):
    data = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
    if np.iscomplexobj(arr):
        values = []
        for v in arr.reshape(-1).tolist():
            values += [fstr(v.real), fstr(v.imag)]
    else:
        values = [str(int(v)) for v in arr.reshape(-1).tolist()]
    return T(name, dtype, arr.shape, data, values)


def raw(name, dtype, shape, data):
    """Types neither torch 1.13 nor numpy decode: bytes only."""
    return T(name, dtype, shape, data, None)


def header_json(meta, entries, pretty=False):
    """entries: list of (name, dtype, shape, begin, end), in header order."""
    obj = {}
    if meta is not None and not pretty:
        obj["__metadata__"] = {k: meta[k] for k in sorted(meta)}
    for name, dtype, shape, b, e in entries:
        obj[name] = {"dtype": dtype, "shape": shape, "data_offsets": [b, e]}
    if pretty:
        if meta is not None:
            obj["__metadata__"] = meta
        return json.dumps(obj, indent=2, ensure_ascii=True)
    # Python's compact dumps with ensure_ascii=False escapes exactly as
    # serde_json: \" \\ \b \f \n \r \t, other controls as \u00xx, the rest raw.
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def canonical(tensors, meta):
    """The reference writer's layout."""
    order = sorted(tensors, key=lambda t: (-RANK.index(t.dtype), t.name))
    entries, off = [], 0
    for t in order:
        entries.append((t.name, t.dtype, t.shape, off, off + len(t.data)))
        off += len(t.data)
    js = header_json(meta, entries).encode("utf-8")
    js += b" " * (-len(js) % 8)
    blob = struct.pack("<Q", len(js)) + js + b"".join(t.data for t in order)
    return blob, order, entries


def describe(meta, entries, tensors):
    by_name = {t.name: t for t in tensors}
    out = []
    for name, dtype, shape, b, e in sorted(entries, key=lambda x: x[0].encode("utf-8")):
        t = by_name[name]
        d = {"name": name, "dtype": dtype, "shape": shape, "offsets": [b, e],
             "hex": t.data.hex()}
        if t.values is not None:
            d["values"] = t.values
        out.append(d)
    return {"metadata": meta, "tensors": out}


def dtypes_tensors():
    f = float("inf")
    ts = [
        from_torch("float.f64", torch.tensor(
            [[0.0, -0.0, 1.5, -2.25, math.pi], [1e-300, 5e-324, 1e300, f, -f]],
            dtype=torch.float64)),
        from_torch("float.f32", torch.tensor(
            [[math.pi, -1.0 / 3.0, 1e-45, 3.4e38], [f, -f, -0.0, 0.1]],
            dtype=torch.float32)),
        from_torch("float.f16", torch.tensor(
            [0.0, -0.0, 1.0, -2.5, 65504.0, 6e-8, 0.1, f, -f],
            dtype=torch.float16).reshape(3, 3)),
        from_torch("float.bf16", torch.tensor(
            [1.0, -1.5, 3.0e38, 1e-40, 0.1, -f], dtype=torch.bfloat16)),
        from_torch("int.i64", torch.tensor(
            [-(2**63), 2**63 - 1, -1, 0, 123456789012345], dtype=torch.int64)),
        from_torch("int.i32", torch.tensor(
            [[-(2**31), 2**31 - 1], [-7, 42]], dtype=torch.int32)),
        from_torch("int.i16", torch.tensor([-(2**15), 2**15 - 1, -2], dtype=torch.int16)),
        from_torch("int.i8", torch.tensor([-128, 127, 0, -1, 5], dtype=torch.int8)),
        from_torch("int.u8", torch.tensor([0, 255, 128, 7], dtype=torch.uint8)),
        from_torch("bool.mask", torch.tensor([[True, False, True], [False, False, True]])),
        from_numpy("uint.u16", "U16", np.array([0, 65535, 258], dtype=np.uint16)),
        from_numpy("uint.u32", "U32", np.array([[0, 2**32 - 1], [16909060, 9]], dtype=np.uint32)),
        from_numpy("uint.u64", "U64", np.array([0, 2**64 - 1, 2**63], dtype=np.uint64)),
        from_numpy("complex.c64", "C64", np.array([1 + 2j, -0.5 - 0.25j, 3j], dtype=np.complex64)),
        raw("f8.e5m2", "F8_E5M2", [2, 2], b"\x00\x3c\x7c\xfe"),
        raw("f8.e4m3", "F8_E4M3", [3], b"\x38\x7f\x80"),
        raw("f8.e8m0", "F8_E8M0", [2], b"\x7f\xff"),
        raw("f8.e4m3fnuz", "F8_E4M3FNUZ", [2], b"\x40\x80"),
        raw("f8.e5m2fnuz", "F8_E5M2FNUZ", [1], b"\x44"),
        raw("packed.f4", "F4", [2, 4], b"\x12\x34\x56\x78"),
        raw("packed.f6e2m3", "F6_E2M3", [4], b"\xab\xcd\xef"),
        raw("packed.f6e3m2", "F6_E3M2", [2, 4], b"\x01\x02\x03\x04\x05\x06"),
        from_torch("scalar.f32", torch.tensor(3.5, dtype=torch.float32)),
        from_torch("empty.i64", torch.zeros((2, 0), dtype=torch.int64)),
    ]
    return ts


def model_tensors():
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2),
        torch.nn.LayerNorm(2))
    return [from_torch(k, v.detach()) for k, v in net.state_dict().items()]


def messy_tensors():
    return [
        from_torch("ünïcödé.weight", torch.arange(6, dtype=torch.float32).reshape(2, 3) - 2.5),
        from_torch("emoji🔥", torch.tensor([1.25, -8.0], dtype=torch.float64)),
        from_torch('quote"and\\back', torch.tensor([7, 8, 9], dtype=torch.uint8)),
        from_torch("tab\there\nnewline", torch.tensor([-3, 3], dtype=torch.int16)),
        from_torch("ctrl\x01\x1f\x7f", torch.tensor(0.5, dtype=torch.float16)),
        from_torch("zero", torch.zeros((0, 3), dtype=torch.float32)),
        from_torch("a", torch.tensor([[1, 2], [3, 4]], dtype=torch.int32)),
    ]


def messy_file(tensors, meta):
    """Data in a deliberately poor order: bytes first, then the rest."""
    by = {t.name: t for t in tensors}
    data_order = ['quote"and\\back', "ctrl\x01\x1f\x7f", "ünïcödé.weight", "zero",
                  "tab\there\nnewline", "a", "emoji🔥"]
    spans, off = {}, 0
    for n in data_order:
        spans[n] = (off, off + len(by[n].data))
        off += len(by[n].data)
    header_order = ["zero", "emoji🔥", "a", "ctrl\x01\x1f\x7f", 'quote"and\\back',
                    "tab\there\nnewline", "ünïcödé.weight"]
    entries = [(n, by[n].dtype, by[n].shape) + spans[n] for n in header_order]
    js = header_json(meta, entries, pretty=True)
    # An unknown field, ignored by readers, inside one entry.
    js = js.replace('"data_offsets"', '"x_unknown": {"nested": [1, [2, {}]], "s": null},\n    "data_offsets"', 1)
    js = ("\n\t " + js + "\r\n  ").encode("utf-8")
    assert len(js) % 8 != 0, "messy header must be misaligned"
    blob = struct.pack("<Q", len(js)) + js + b"".join(by[n].data for n in data_order)
    return blob, entries


def main():
    os.makedirs(OUT, exist_ok=True)
    golden = {}

    meta = {"format": "pt", "note": 'quoted "text"\nwith a newline', "ünï": "cödé 🔥"}
    ts = dtypes_tensors()
    blob, _, entries = canonical(ts, meta)
    write("dtypes.safetensors", blob)
    golden["dtypes.safetensors"] = describe(meta, entries, ts) | {"canonical": "dtypes.safetensors"}

    ts = model_tensors()
    blob, _, entries = canonical(ts, {"format": "pt"})
    write("model.safetensors", blob)
    golden["model.safetensors"] = describe({"format": "pt"}, entries, ts) | {"canonical": "model.safetensors"}

    ts = messy_tensors()
    meta = {"ctrl": "bell\x07 del\x7f", "b": "2", "a": "1"}
    blob, entries = messy_file(ts, meta)
    write("messy.safetensors", blob)
    golden["messy.safetensors"] = describe(meta, entries, ts) | {"canonical": "messy_canonical.safetensors"}
    blob, _, entries = canonical(ts, meta)
    write("messy_canonical.safetensors", blob)
    golden["messy_canonical.safetensors"] = describe(meta, entries, ts) | {"canonical": "messy_canonical.safetensors"}

    with open(os.path.join(OUT, "golden.json"), "w", encoding="utf-8") as f:
        json.dump(golden, f, indent=1, ensure_ascii=True, sort_keys=True)
        f.write("\n")


def write(name, blob):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(blob)


if __name__ == "__main__":
    main()
