#!/bin/bash
# Device checks for Ember's CUDA backend. Runs on the GPU machine from the repo root:
#   BUDGET=300 bash bench/gpu/run.sh [steps...]   (steps: tests train gpt2 gptchar gemm fmnist shapes fusedbias avx512)
# after bench/gpu/pack.sh built gpu/pack.tar.xz here. Results go to $OUT (or /tmp/out): at most
# 8 files (log, conformance, cudatest, train, bench.jsonl, torch.jsonl, two GPT-2 profiles).
set -u
O=${OUT:-/tmp/out}; mkdir -p "$O"
R=$PWD; G=${G:-/tmp/g}; BUDGET=${BUDGET:-300}
step() { local name=$1 lim=$2; shift 2
  if (( SECONDS + 5 > BUDGET )); then echo "=== [$name] skipped: out of time"; return 99; fi
  (( lim > BUDGET - SECONDS )) && lim=$((BUDGET - SECONDS))
  echo "=== $(date +%T) [$name] $*"; local t0=$SECONDS
  timeout -k 3 "$lim" "$@"; local rc=$?; echo "=== [$name] rc=$rc in $((SECONDS-t0))s"; return $rc; }
setup() {
  if [ ! -d $G ]; then
    mkdir -p $G && tar -C $G -xJf gpu/pack.tar.xz || return 1
    (cd $G/data/fashion-mnist && gzip -1 -k *ubyte)
    mkdir -p /usr/local/go/src && cp -r $G/gosrc/* /usr/local/go/src/
  fi
}
body() {
echo "=== $(date +%T) setup"; setup; echo "=== setup rc=$? $(date +%T)"
export EMBER_DATA=$G/data FMNIST_DIR=$G/data/fashion-mnist EMBER_CACHE_DIR=$G/cache PYTHONUNBUFFERED=1
EB="$G/ember bench --device cuda --json --offline"
for s in "$@"; do case $s in
tests)
  step conformance 60 $G/ember.test -test.v -test.count 1 -test.timeout 55s > "$O/conformance.txt" 2>&1 & p1=$!
  (cd backend/cuda && step cudatest 60 $G/cuda.test -test.v -test.count 1 -test.timeout 55s > "$O/cudatest.txt" 2>&1) & p2=$!
  wait $p1 $p2
  for f in conformance cudatest; do echo "--- $f: $(grep -c -- '--- PASS' $O/$f.txt) pass, $(grep -c -- '--- FAIL' $O/$f.txt) fail, $(grep -c -- '--- SKIP' $O/$f.txt) skip"
    grep -E -- '--- FAIL|^(FAIL|ok|PASS)|panic|rc=' "$O/$f.txt" | head -30; done ;;
train)
  step train 40 $G/ember train --device cuda --offline --out $G/runs > "$O/train.txt" 2>&1; tail -4 "$O/train.txt" ;;
shapes)  # a GPT-2-small step's GEMMs and memory-bound kernels one at a time
  step shapes 60 $G/gpucheck -gpt2 -iters 20 2>&1 | tail -26 ;;
fusedbias)  # the conformance suite and the GPT-2 step with EMBER_CUDA_FUSED_BIAS=1 (cuBLASLt bias epilogue)
  EMBER_CUDA_FUSED_BIAS=1 step conformance-fusedbias 60 $G/ember.test -test.count 1 -test.timeout 55s > "$O/conformance_fusedbias.txt" 2>&1
  echo "--- conformance with the fused bias: $(grep -c -- '--- FAIL' $O/conformance_fusedbias.txt) fail"; grep -E -- '--- FAIL|^(FAIL|ok|PASS)|panic' "$O/conformance_fusedbias.txt" | head -20
  EMBER_CUDA_FUSED_BIAS=1 step ember-gpt2-fusedbias 60 $EB gpt2_small >> "$O/bench.jsonl" 2>&1 ;;
gpt2)
  step ember-gpt2-flash 60 $EB --device-profile "$O/gpt2_device.txt" gpt2_small >> "$O/bench.jsonl" 2>&1
  head -40 "$O/gpt2_device.txt"
  (cd bench/pytorch && ANCHOR_DEVICE=cuda ANCHOR_PROFILE="$O/gpt2_torch_profile.txt" step torch-gpt2 60 python3 gpt2_small.py) >> "$O/torch.jsonl" 2>&1
  head -30 "$O/gpt2_torch_profile.txt"
  ;;
gptchar)
  step ember-gptchar-flash 40 $EB gpt_char >> "$O/bench.jsonl" 2>&1
  (cd bench/pytorch && ANCHOR_DEVICE=cuda step torch-gptchar 40 python3 gpt_char.py) >> "$O/torch.jsonl" 2>&1 ;;
gemm)
  step gpucheck 40 $G/gpucheck -gemm 4096,8192 -iters 20 2>&1 | grep -vE " ok$"   # the op battery's failures, then the timings
  (cd bench/pytorch && ANCHOR_DEVICE=cuda step torch-gemm 30 python3 gemm_cuda.py 4096,8192 20) >> "$O/torch.jsonl" 2>&1 ;;
fmnist)
  step ember-fmnist 40 $EB mlp_fmnist cnn_fmnist >> "$O/bench.jsonl" 2>&1
  (cd bench/pytorch && for w in mlp_fmnist cnn_fmnist; do ANCHOR_DEVICE=cuda step torch-$w 40 python3 $w.py; done) >> "$O/torch.jsonl" 2>&1 ;;
avx512)  # the CPU's AVX-512 GEMM kernel (the GPU machine's CPU has AVX-512): the gemm tests run it natively, then AVX2 against it
  echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2); $(grep -m1 -o 'avx512[a-z_0-9]*' /proc/cpuinfo | sort -u | head -1)"
  (cd backend/cpu/gemm && step gemm-tests 60 $G/gemm.test -test.count 1 -test.skip TestAVX512KernelEmulated -test.timeout 55s 2>&1 | tail -8)
  (cd backend/cpu/gemm && step gemm-micro 30 $G/gemm.test -test.run '^$' -test.bench 'MicroKernel' -test.benchtime 1s 2>&1 | grep -E '^Benchmark|^ok|FAIL')
  for k in avx2 avx512; do
    EMBER_CPU_GEMM_KERNEL=$k step ember-gemm-$k 60 taskset -c 0,1 $G/ember bench --json --threads 2 --quick gemm 2>&1 |
      grep -o '"M": [0-9]*, "K": [0-9]*, "N": [0-9]*, "dtype": "[a-z0-9]*", "layout": "[A-Z]*"}, "metric": "throughput", "value": [0-9.]*' | sed "s/^/$k /; s/, \"metric\": \"throughput\"//"
  done ;;
esac; done
echo "=== done $(date +%T) at ${SECONDS}s"
grep -h '"metric": "\(train_throughput\|mfu\|throughput\)"' "$O/bench.jsonl" "$O/torch.jsonl" 2>/dev/null | sed 's/"config": {[^}]*}, //' | cut -c1-330
grep -h "^===\|rror\|panic" "$O/bench.jsonl" "$O/torch.jsonl" 2>/dev/null | head -40
}
body "$@" 2>&1 | tee "$O/log.txt"
