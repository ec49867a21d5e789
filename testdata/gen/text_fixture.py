#!/usr/bin/python3
"""Writes a small text corpus and its expected encodings for data/textfile.

Run from the repository root with Debian's python3:
    /usr/bin/python3 testdata/gen/text_fixture.py
Outputs data/textfile/testdata/corpus/ (two .txt files, one in a
subdirectory, and a .md file that a "*.txt" pattern must skip) and
data/textfile/testdata/expected.json: for the .txt files in sorted path
order joined by "\n", the sorted character vocabulary (code points), the
char-level token ids, the byte-level ids, and the (context, next) windows of
length 4 at a few positions.
"""
import json
import os

ROOT = os.path.join("data", "textfile", "testdata")
FILES = {
    "corpus/a.txt": "To be, or not to be: that is the question.\n",
    "corpus/sub/b.txt": "Ça va? Très bien — merci! 日本語 🙂\n",
    "corpus/notes.md": "# not part of the *.txt corpus\n",
}


def main():
    for rel, text in FILES.items():
        path = os.path.join(ROOT, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    txt = sorted(k for k in FILES if k.endswith(".txt"))
    text = "\n".join(FILES[k] for k in txt)
    vocab = sorted(set(text))
    index = {c: i for i, c in enumerate(vocab)}
    chars = [index[c] for c in text]
    raw = list(text.encode("utf-8"))
    ctx = 4
    positions = [0, 7, len(chars) - ctx - 1]
    expected = {
        "files": txt,
        "vocab": [ord(c) for c in vocab],
        "char_ids": chars,
        "byte_ids": raw,
        "context": ctx,
        "windows": [{"i": i, "context": chars[i:i + ctx], "next": chars[i + ctx]} for i in positions],
    }
    with open(os.path.join(ROOT, "expected.json"), "w") as f:
        json.dump(expected, f)


if __name__ == "__main__":
    main()
