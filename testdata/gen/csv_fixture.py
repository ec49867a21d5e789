#!/usr/bin/python3
"""Writes a CSV fixture and its expected parse for data/csvfile tests.

Run from the repository root with Debian's python3 (numpy):
    /usr/bin/python3 testdata/gen/csv_fixture.py
Outputs data/csvfile/testdata/houses.csv (written with Python's csv module,
so quoting follows RFC 4180) and houses-expected.json: the sorted category
lists, the encoded features and labels, the mean and population standard
deviation (numpy, ddof=0) of the numeric features over the first 30 rows,
and the last 10 rows standardised with those statistics.
"""
import csv
import json
import os

import numpy as np

OUT = os.path.join("data", "csvfile", "testdata")
CITIES = ["Paris", "Lyon", "New York, NY", "Zürich", "São Paulo"]
KINDS = ["flat", "house", "villa"]


def main():
    rng = np.random.default_rng(7)
    n = 40
    area = np.round(rng.uniform(20, 300, n), 2)
    rooms = rng.integers(1, 9, n)
    city = rng.choice(CITIES, n)
    const = np.full(n, 5.0)
    kind = rng.choice(KINDS, n)
    rows = []
    with open(os.path.join(OUT, "houses.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "area", "city", "rooms", "constant", "kind"])
        for i in range(n):
            w.writerow([i, repr(float(area[i])), city[i], int(rooms[i]), "5", kind[i]])
    cities = sorted(set(city.tolist()))
    kinds = sorted(set(kind.tolist()))
    # Feature order: the header order without "id" (ignored) and "kind" (label).
    x = np.stack([area.astype(np.float32).astype(np.float64),
                  np.array([cities.index(c) for c in city], dtype=np.float64),
                  rooms.astype(np.float64), const], axis=1)
    y = [kinds.index(k) for k in kind]
    train = x[:30]
    mean = train.mean(axis=0)
    std = train.std(axis=0, ddof=0)
    mean[1], std[1] = 0.0, 1.0          # categorical column: untouched
    std[std == 0] = 1.0
    test_std = (x[30:] - mean) / std
    expected = {
        "cities": cities,
        "kinds": kinds,
        "x": x.tolist(),
        "y": y,
        "mean": mean.tolist(),
        "std": std.tolist(),
        "test_standardized": test_std.tolist(),
    }
    with open(os.path.join(OUT, "houses-expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
