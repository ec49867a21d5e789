#!/usr/bin/python3
"""Writes the seed corpus of FuzzRead, testdata/fuzz/FuzzRead/, in the
`go test fuzz v1` file format: a few valid files and many hostile ones.

    /usr/bin/python3 safetensors/testdata/gen/make_fuzz_seeds.py

Only the standard library is used; files are built byte by byte from the
format's specification (8-byte little-endian header length, JSON header,
data section).
"""

import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fuzz", "FuzzRead")
GOLDEN = os.path.join(HERE, "..", "golden")


def st(header, data=b"", n=None):
    """A file: length prefix (n, or the header's length), header, data."""
    h = header.encode("utf-8") if isinstance(header, str) else header
    return struct.pack("<Q", len(h) if n is None else n) + h + data


def entry(dtype, shape, b, e):
    return {"dtype": dtype, "shape": shape, "data_offsets": [b, e]}


def js(obj):
    return json.dumps(obj, separators=(",", ":"))


SEEDS = {
    # Valid files.
    "valid_reference": st(js({"test": entry("I32", [2, 2], 0, 16)}), bytes(16)),
    "valid_empty": st("{}      "),
    "valid_metadata": st(js({"__metadata__": {"format": "pt", "k": ""}})),
    "valid_null_metadata": st('{"__metadata__":null}'),
    "valid_zero_sized": st(js({"z": entry("F16", [3, 0], 0, 0)})),
    "valid_scalar_and_packed": st(js({"s": entry("F64", [], 0, 8), "p": entry("F4", [4], 8, 10),
                                      "q": entry("F6_E2M3", [4], 10, 13)}), bytes(range(13))),
    "valid_unknown_field": st('{"t":{"x":{"y":[1,[2]]},"dtype":"BOOL","shape":[1],"data_offsets":[0,1]}}', b"\x01"),
    "valid_many_empty": st(js({f"e{i}": entry("U8", [0], 0, 0) for i in range(200)})),
    "valid_whitespace": st(" \n\t{ \"a\" : { \"dtype\" : \"U8\" , \"shape\" : [ 1 ] , \"data_offsets\" : [ 0 , 1 ] } }\r\n", b"A"),

    # The length prefix.
    "bad_short": b"\x01\x02\x03",
    "bad_len_max": st("{}", n=2**64 - 1),
    "bad_len_over_cap": st("{}", n=100_000_001),
    "bad_len_past_eof": st("{}", n=1000),
    "bad_len_zero": st("", n=0),

    # The JSON.
    "bad_utf8": st(b'{"\xff\xfe":{}}'),
    "bad_not_json": st("hello world"),
    "bad_array": st("[1,2,3]"),
    "bad_trailing": st("{}{}"),
    "bad_nul_padding": st(b"{}\x00\x00\x00\x00\x00\x00"),
    "bad_deep_nesting": st('{"t":{"x":' + "[" * 20000 + "]" * 20000 + "}}"),
    "edge_lone_surrogate": st('{"\\ud800":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}'),
    "bad_metadata_number": st('{"__metadata__":{"a":1}}'),
    "bad_metadata_twice": st('{"__metadata__":{},"__metadata__":{}}'),
    "bad_duplicate_tensor": st('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},'
                               '"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', b"ab"),
    "bad_duplicate_field": st('{"a":{"dtype":"U8","dtype":"I8","shape":[1],"data_offsets":[0,1]}}', b"a"),

    # Entries.
    "bad_dtype": st(js({"t": entry("F128", [1], 0, 16)}), bytes(16)),
    "bad_negative_dim": st('{"t":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}}'),
    "bad_float_dim": st('{"t":{"dtype":"U8","shape":[1.0],"data_offsets":[0,1]}}', b"x"),
    "bad_exp_offset": st('{"t":{"dtype":"U8","shape":[1],"data_offsets":[0,1e0]}}', b"x"),
    "bad_shape_overflow": st(js({"test": entry("I32", [2, 18446744073709551614], 0, 16)}), bytes(16)),
    "bad_shape_overflow2": st(js({"test": entry("I32", [2, 9223372036854775807], 0, 16)}), bytes(16)),
    "bad_offset_huge": st(js({"t": entry("U8", [1], 18446744073709551615, 18446744073709551616)})),
    "bad_end_before_begin": st(js({"t": entry("U8", [0], 4, 0)}), bytes(4)),
    "bad_size_mismatch": st(js({"t": entry("I32", [2, 2], 0, 4)}), bytes(4)),
    "bad_f4_odd": st(js({"t": entry("F4", [3], 0, 2)}), bytes(2)),

    # Layout.
    "bad_overlap": st(js({"a": entry("U8", [4], 0, 4), "b": entry("U8", [2], 2, 4)}), bytes(4)),
    "bad_same_range": st(js({"a": entry("F32", [256], 0, 1024), "b": entry("I32", [256], 0, 1024)}), bytes(1024)),
    "bad_gap": st(js({"a": entry("U8", [2], 0, 2), "b": entry("U8", [1], 3, 4)}), bytes(4)),
    "bad_trailing_data": st(js({"a": entry("U8", [2], 0, 2)}), b"abcdef"),
    "bad_missing_data": st(js({"a": entry("U8", [8], 0, 8)}), b"abc"),
}


def go_literal(b):
    out = []
    for c in b:
        if 0x20 <= c < 0x7F and c not in (ord('"'), ord("\\")):
            out.append(chr(c))
        else:
            out.append("\\x%02x" % c)
    return '[]byte("' + "".join(out) + '")'


def main():
    os.makedirs(OUT, exist_ok=True)
    seeds = dict(SEEDS)
    for name in sorted(os.listdir(GOLDEN)):
        if name.endswith(".safetensors"):
            with open(os.path.join(GOLDEN, name), "rb") as f:
                seeds["golden_" + name.replace(".safetensors", "")] = f.read()
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "w") as f:
            f.write("go test fuzz v1\n" + go_literal(data) + "\n")


if __name__ == "__main__":
    main()
