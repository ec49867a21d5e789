// Command gpucheck checks Ember's CUDA backend on a real GPU: it prints the
// CUDA doctor report, runs a battery of backend ops on the GPU and on the
// CPU backend with the same random inputs and prints a table comparing
// them (and whether each ran on the device or through the host fallback),
// then times GEMMs (float32, TF32, bfloat16, float16) and transfers.
//
// It is a plain Go binary with everything embedded (the kernels' source
// and prebuilt PTX): build it with `CGO_ENABLED=0 go build
// ./backend/cuda/cmd/gpucheck` and copy it to the GPU machine, which needs
// only the NVIDIA driver (and cuBLAS; NVRTC is optional). The exit status
// is 1 when a check fails, 2 when the device cannot be opened.
//
// Usage:
//
//	gpucheck [-device 0] [-gemm 4096,8192] [-iters 20] [-quick] [-skip-bench] [-gpt2]
//
// With EMBER_CUDA_EMULATOR=1 it runs on the kernel emulator (use -quick
// and -skip-bench there).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/emberdl/ember/backend/cuda"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout))
}

// options are the command-line settings.
type options struct {
	device    int
	gemm      []int
	iters     int
	quick     bool
	skipBench bool
	gpt2      bool
}

func parse(args []string, w io.Writer) (options, error) {
	fs := flag.NewFlagSet("gpucheck", flag.ContinueOnError)
	fs.SetOutput(w)
	var o options
	var gemm string
	fs.IntVar(&o.device, "device", 0, "CUDA device ordinal")
	fs.StringVar(&gemm, "gemm", "4096", "comma-separated square GEMM sizes to time")
	fs.IntVar(&o.iters, "iters", 20, "timed iterations per benchmark")
	fs.BoolVar(&o.quick, "quick", false, "small problem sizes (for the emulator)")
	fs.BoolVar(&o.skipBench, "skip-bench", false, "run the checks only")
	fs.BoolVar(&o.gpt2, "gpt2", false, "time a GPT-2-small step's GEMM and memory-bound shapes alone, then stop")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	for _, s := range strings.Split(gemm, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return o, fmt.Errorf("bad GEMM size %q", s)
		}
		o.gemm = append(o.gemm, n)
	}
	if o.iters <= 0 {
		return o, fmt.Errorf("-iters must be positive")
	}
	return o, nil
}

// run is the whole command; it returns the exit status.
func run(args []string, w io.Writer) int {
	o, err := parse(args, w)
	if err != nil {
		return 2
	}
	fmt.Fprint(w, cuda.Doctor())
	b, err := cuda.OpenDevice(o.device)
	if err != nil {
		fmt.Fprintln(w, "cannot open the device:", err)
		return 2
	}
	fmt.Fprintln(w, b.Info())
	fmt.Fprintln(w)
	if o.gpt2 {
		if err := gpt2Shapes(w, b, o.iters, o.quick); err != nil {
			fmt.Fprintln(w, "benchmark failed:", err)
			return 1
		}
		return 0
	}
	failed := runChecks(w, b, o.quick)
	if !o.skipBench {
		fmt.Fprintln(w)
		if err := runBenchmarks(w, b, o); err != nil {
			fmt.Fprintln(w, "benchmark failed:", err)
			failed++
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, b.Info())
	st := b.MemoryStats()
	fmt.Fprintf(w, "memory: peak allocated %.1f MiB, peak reserved %.1f MiB, %d allocations (%d from the cache), %d out-of-memory hooks\n",
		float64(st.PeakAllocated)/(1<<20), float64(st.PeakReserved)/(1<<20), st.Allocs, st.CacheHits, st.OOMHooks)
	if failed > 0 {
		fmt.Fprintf(w, "FAILED: %d check(s)\n", failed)
		return 1
	}
	fmt.Fprintln(w, "all checks passed")
	return 0
}
