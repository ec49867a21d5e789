#!/usr/bin/env bash
# install-cuda-deps.sh: what the CUDA binding tests need on a CPU-only Debian
# bookworm machine (no GPU, no CUDA toolkit).
#
#   1. contrib/non-free next to the existing Debian apt source (a new file;
#      the distribution's own file is left untouched);
#   2. NVRTC 11.8 from Debian (package libnvrtc11.2), installed with apt: the
#      kernel compile tests need it;
#   3. ptxas (from nvidia-cuda-toolkit) and the real driver library
#      libcuda.so.1 (from libcuda1), extracted from their .debs into DEST, not
#      installed: the PTX check and the driver symbol-table test use them.
#
#   4. only with EMBER_CUDA_DEPS_CUBLAS=1: cuBLAS and cuBLASLt 11.8
#      (libcublas11, libcublaslt11: a 250 MB download, 650 MB on disk),
#      extracted into DEST, for the cuBLAS binding test.
#
# Usage: .ci/install-cuda-deps.sh [DEST]      (DEST defaults to
# $EMBER_CUDA_DEPS_DIR or /opt/ember-cuda-deps). Progress goes to stderr; stdout
# carries only the export lines, so a CI script can run
#
#   eval "$(.ci/install-cuda-deps.sh)"
#
# The script is idempotent: a second run downloads nothing. It needs root (or
# sudo) for apt.
set -euo pipefail

DEST=${1:-${EMBER_CUDA_DEPS_DIR:-/opt/ember-cuda-deps}}
log() { printf 'install-cuda-deps: %s\n' "$*" >&2; }

SUDO=
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
		log "need root or sudo for apt-get"; exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive

# 1. contrib/non-free apt source, derived from the existing deb822 file.
src=/etc/apt/sources.list.d/debian.sources
extra=/etc/apt/sources.list.d/ember-nonfree.sources
need_update=0
if [ ! -f "$extra" ]; then
	if [ ! -f "$src" ]; then
		log "$src not found: this script expects Debian bookworm with deb822 sources"; exit 1
	fi
	sed -E 's/^Components:.*/Components: contrib non-free/' "$src" | $SUDO tee "$extra" >/dev/null
	need_update=1
	log "added $extra"
fi
if [ $need_update = 1 ] || ! apt-cache show libnvrtc11.2 >/dev/null 2>&1; then
	log "apt-get update"
	$SUDO apt-get update -qq >&2
fi

# 2. NVRTC 11.8.
if ! dpkg -s libnvrtc11.2 >/dev/null 2>&1; then
	log "installing libnvrtc11.2"
	$SUDO apt-get install -y -qq --no-install-recommends libnvrtc11.2 >&2
fi
nvrtc=$(dpkg -L libnvrtc11.2 | grep -E '/libnvrtc\.so\.11\.2$' | head -n 1)
[ -n "$nvrtc" ] || { log "libnvrtc11.2 is installed but libnvrtc.so.11.2 is missing"; exit 1; }

# 3. ptxas and libcuda.so.1, extracted (not installed).
libcuda=$DEST/usr/lib/x86_64-linux-gnu/nvidia/current/libcuda.so.1
ptxas=$DEST/usr/bin/ptxas
if [ ! -e "$libcuda" ] || [ ! -x "$ptxas" ]; then
	tmp=$(mktemp -d)
	chmod 755 "$tmp" # apt-get download runs as _apt and must enter it
	trap 'rm -rf "$tmp"' EXIT
	mkdir -p "$DEST"
	log "downloading nvidia-cuda-toolkit and libcuda1 .debs"
	(cd "$tmp" && apt-get download -qq nvidia-cuda-toolkit libcuda1 >&2)
	dpkg-deb --fsys-tarfile "$tmp"/nvidia-cuda-toolkit_*.deb | tar -x -C "$DEST" ./usr/bin/ptxas
	dpkg-deb -x "$tmp"/libcuda1_*.deb "$DEST"
fi
[ -e "$libcuda" ] || { log "libcuda.so.1 not found under $DEST after extraction"; exit 1; }
[ -x "$ptxas" ] || { log "ptxas not found under $DEST after extraction"; exit 1; }
# 4. optional cuBLAS.
cublas_exports=
if [ "${EMBER_CUDA_DEPS_CUBLAS:-0}" = 1 ]; then
	libdir=$DEST/usr/lib/x86_64-linux-gnu
	if [ ! -e "$libdir/libcublasLt.so.11" ] || [ ! -e "$libdir/libcublas.so.11" ]; then
		tmp2=$(mktemp -d)
		chmod 755 "$tmp2"
		log "downloading libcublas11 and libcublaslt11 .debs"
		(cd "$tmp2" && apt-get download -qq libcublas11 libcublaslt11 >&2)
		for deb in "$tmp2"/*.deb; do dpkg-deb -x "$deb" "$DEST"; done
		rm -rf "$tmp2"
	fi
	[ -e "$libdir/libcublasLt.so.11" ] || { log "libcublasLt.so.11 not found under $DEST after extraction"; exit 1; }
	log "cuBLAS:  $libdir/libcublas.so.11"
	cublas_exports="export EMBER_CUBLAS=$libdir/libcublas.so.11
export EMBER_CUBLASLT=$libdir/libcublasLt.so.11"
fi
log "NVRTC:   $nvrtc"
log "libcuda: $libcuda"
log "ptxas:   $ptxas"

cat <<OUT
export EMBER_NVRTC=$nvrtc
export EMBER_LIBCUDA=$libcuda
export EMBER_PTXAS=$ptxas
export EMBER_REQUIRE_NVRTC=1
OUT
[ -z "$cublas_exports" ] || printf '%s\n' "$cublas_exports"
