#!/bin/bash
# Builds what bench/gpu/run.sh needs on a GPU machine that has no Go toolchain and no
# network: the ember binary, the test binaries of the conformance suite, backend/cuda and
# backend/cpu/gemm,
# gpucheck, Fashion-MNIST and the gpt_char corpus, packed into gpu/pack.tar.xz (git ignores
# gpu/). Run from the repository root; carry gpu/ to the GPU machine with the working tree.
set -euo pipefail
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/data/fashion-mnist" "$T/gosrc/fmt" "$T/gosrc/strings" gpu
CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$T/ember" ./cmd/ember
CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$T/gpucheck" ./backend/cuda/cmd/gpucheck
CGO_ENABLED=0 go test -c -trimpath -ldflags='-s -w' -o "$T/ember.test" .
CGO_ENABLED=0 go test -c -trimpath -ldflags='-s -w' -o "$T/cuda.test" ./backend/cuda
CGO_ENABLED=0 go test -c -trimpath -ldflags='-s -w' -o "$T/gemm.test" ./backend/cpu/gemm
# Raw IDX files compress better under xz than the published .gz; run.sh gzips them again
# for the PyTorch scripts.
for f in /usr/share/datasets/fashion-mnist/*.gz; do gunzip -c "$f" > "$T/data/fashion-mnist/$(basename "${f%.gz}")"; done
GR=$(go env GOROOT)
cp "$GR"/src/fmt/*.go "$T/gosrc/fmt/"
cp "$GR"/src/strings/*.go "$T/gosrc/strings/"
# -9: a 64 MiB window also shares the PTX that every binary embeds (45 → 40 MB),
# which keeps the working tree and the pack under the device call's 64 MiB.
tar -C "$T" -cf - . | xz -T0 -9 > gpu/pack.tar.xz
ls -la gpu/pack.tar.xz
tree=$(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1)
total=$((tree + $(stat -c %s gpu/pack.tar.xz)))
echo "tracked files + pack: $((total / 1048576)) MiB (a device call carries at most 64)"
if ((total >= 64 * 1048576)); then echo "pack.sh: too large to carry to the GPU machine" >&2; exit 1; fi
