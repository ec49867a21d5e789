package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/pprof"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/internal/parallel"
)

// timing is common.py's time_fn setting.
type timing struct {
	Samples, Warmup int
	MinTime         float64 // seconds
}

// benchConfig sizes every workload. defaultBench is the reference
// scripts' (bench/pytorch/*.py); tests use tiny ones.
type benchConfig struct {
	Timing timing
	// gemm.py
	GemmSquare []int
	GemmNN     [][3]int // (M, K, N)
	GemmTN     [3]int
	GemmF64    int
	// peak.c: FMA rounds per thread per sample (0: skip)
	PeakIters int
	// conv.py
	Conv []convCase
	// lstm.py: T, B, I, H
	LSTM [4]int
	// train_fmnist.py
	FmnistEpochs  int
	FmnistBatch   int
	FmnistWarmup  int
	FmnistDataset string // --dataset form; "fashion-mnist" or "sample"
	FmnistLimit   int    // training examples (0: all)
	FmnistTestLim int    // test examples (0: all)
	FmnistOffline bool
	FmnistSeed    uint64
	// gpt_char.py
	GPTSteps, GPTWarmup, GPTBatch int
	GPT                           [4]int // n_layer, n_head, n_embd, block_size
	GPTNewTokens, GPTValBatches   int
	GPTGenRuns                    int
	// gpt2_small.py
	GPT2 gpt2Config
}

var defaultBench = benchConfig{
	Timing:     timing{Samples: 7, Warmup: 3, MinTime: 0.05},
	GemmSquare: []int{64, 128, 256, 512, 1024, 2048},
	GemmNN:     [][3]int{{128, 784, 512}, {128, 512, 10}, {512, 128, 784}, {4096, 128, 128}, {64, 768, 3072}},
	GemmTN:     [3]int{512, 128, 784},
	GemmF64:    1024,
	PeakIters:  1 << 25,
	Conv: []convCase{
		{"fmnist_conv1", [4]int{128, 1, 28, 28}, 32, 3, false},
		{"fmnist_conv2", [4]int{128, 32, 14, 14}, 64, 3, true},
		{"resnet_3x3", [4]int{32, 64, 32, 32}, 64, 3, true},
	},
	LSTM:          [4]int{50, 64, 64, 256},
	FmnistEpochs:  5,
	FmnistBatch:   128,
	FmnistWarmup:  20,
	FmnistDataset: "fashion-mnist",
	GPTSteps:      300, GPTWarmup: 20, GPTBatch: 16,
	GPT:          [4]int{4, 4, 128, 128},
	GPTNewTokens: 256, GPTValBatches: 20, GPTGenRuns: 3,
	GPT2: defaultGPT2,
}

// workload is one reference script.
type workload struct {
	name string
	run  func(ctx context.Context, e *emitter, dev ember.Device, c benchConfig) error
	// named: it runs only when named (a GPU-sized workload).
	named bool
}

var workloads = []workload{
	{name: "peak", run: benchPeak},
	{name: "gemm", run: benchGemm},
	{name: "conv", run: benchConv},
	{name: "lstm", run: benchLSTM},
	{name: "mlp_fmnist", run: func(ctx context.Context, e *emitter, dev ember.Device, c benchConfig) error {
		return benchFmnist(ctx, e, dev, c, "mlp_fmnist", "mlp", 0)
	}},
	{name: "cnn_fmnist", run: func(ctx context.Context, e *emitter, dev ember.Device, c benchConfig) error {
		return benchFmnist(ctx, e, dev, c, "cnn_fmnist", "cnn", 0.91)
	}},
	{name: "gpt_char", run: benchGPT},
	{name: "gpt2_small", run: benchGPT2, named: true},
}

// workloadNames lists every workload.
func workloadNames() []string {
	var out []string
	for _, w := range workloads {
		out = append(out, w.name)
	}
	return out
}

// defaultWorkloads lists the workloads run when none is named.
func defaultWorkloads() []string {
	var out []string
	for _, w := range workloads {
		if !w.named {
			out = append(out, w.name)
		}
	}
	return out
}

// benchOptions are the flags of "ember bench".
type benchOptions struct {
	JSON    bool
	Device  string
	Epochs  int
	Seed    uint64
	Steps   int
	Quick   bool
	Threads int
	Dataset string
	Offline bool
	Profile string
	// DeviceProfile names the file for the device-time profile (CUDA).
	DeviceProfile string
}

func (a *app) benchCommand() *cobra.Command {
	o := &benchOptions{}
	cmd := &cobra.Command{
		Use:   "bench [WORKLOAD...]",
		Short: "Run the reference workloads and print one measurement per line",
		Long: `Runs the project's reference workloads (bench/pytorch/*.py) on Ember:
` + strings.Join(workloadNames(), ", ") + ` (all but gpt2_small when none is named:
gpt2_small, a 124M-parameter GPT-2 at context 1024 in bfloat16, is meant for
a GPU and runs only when named). Each
measurement is printed as the scripts print it, with --json as one JSON line
{"name", "config", "metric", "value", "unit", ...} with the same names,
configurations and metrics, measured the same way (warm-up excluded, steady
state, medians of timed samples), so that the two can be compared line by
line (bench/compare does that).`,
		RunE: func(cmd *cobra.Command, args []string) error { return a.bench(cmd.Context(), *o, args) },
	}
	f := cmd.Flags()
	f.BoolVar(&o.JSON, "json", false, "print JSON lines")
	f.StringVar(&o.Device, "device", "cpu", "device: cpu or cuda")
	f.IntVar(&o.Epochs, "epochs", 0, "epochs of mlp_fmnist and cnn_fmnist (default 5, as the scripts' EPOCHS)")
	f.Uint64Var(&o.Seed, "seed", 0, "seed of mlp_fmnist and cnn_fmnist: initial weights and shuffles (the scripts' train() uses 0)")
	f.IntVar(&o.Steps, "steps", 0, "training steps of gpt_char (default 300, as the script's STEPS)")
	f.BoolVar(&o.Quick, "quick", false, "gemm: only 256 and 1024 square (gemm.py --quick)")
	f.IntVar(&o.Threads, "threads", 0, "compute threads (default: GOMAXPROCS; the scripts use 2)")
	f.StringVar(&o.Dataset, "dataset", "fashion-mnist", "dataset of mlp_fmnist and cnn_fmnist: fashion-mnist or sample")
	f.BoolVar(&o.Offline, "offline", false, "never download datasets")
	f.StringVar(&o.Profile, "cpuprofile", "", "write a CPU profile of the run to this file (for go tool pprof)")
	f.StringVar(&o.DeviceProfile, "device-profile", "", "write the device time of each kernel, GEMM shape and copy to this file (CUDA)")
	return cmd
}

func (a *app) bench(ctx context.Context, o benchOptions, names []string) error {
	c := defaultBench
	switch {
	case o.Epochs < 0:
		return usagef("--epochs must be positive, got %d", o.Epochs)
	case o.Steps < 0:
		return usagef("--steps must be positive, got %d", o.Steps)
	case o.Epochs > 0:
		c.FmnistEpochs = o.Epochs
	}
	if o.Steps > 0 {
		if o.Steps <= c.GPTWarmup {
			return usagef("--steps must exceed the %d warm-up steps, got %d", c.GPTWarmup, o.Steps)
		}
		c.GPTSteps = o.Steps
	}
	if o.Quick {
		c.GemmSquare, c.GemmNN, c.GemmF64, c.GemmTN = []int{256, 1024}, nil, 0, [3]int{}
	}
	if o.Dataset != "fashion-mnist" && o.Dataset != "sample" {
		return usagef("--dataset must be fashion-mnist or sample, got %q", o.Dataset)
	}
	c.FmnistDataset, c.FmnistOffline, c.FmnistSeed = o.Dataset, o.Offline, o.Seed
	if o.Device == "auto" {
		return usagef("--device must be cpu or cuda (a benchmark names its device)")
	}
	dev, err := resolveDevice(o.Device)
	if err != nil {
		return err
	}
	if o.Threads < 0 {
		return usagef("--threads must not be negative")
	}
	if o.Threads > 0 {
		parallel.SetWorkers(o.Threads)
	}
	if len(names) == 0 {
		names = defaultWorkloads()
	}
	for _, n := range names {
		if !slices.Contains(workloadNames(), n) {
			return usagef("unknown workload %q (known: %s)", n, strings.Join(workloadNames(), ", "))
		}
	}
	if o.Profile != "" {
		f, err := os.Create(o.Profile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	if o.DeviceProfile != "" {
		if err := ember.SetDeviceProfiling(dev, true); err != nil {
			return usagef("--device-profile: %v", err)
		}
		defer func() {
			f, err := os.Create(o.DeviceProfile)
			if err == nil {
				err = errors.Join(ember.WriteDeviceProfile(f, dev), f.Close())
			}
			if err != nil {
				fmt.Fprintln(a.stderr, "ember: --device-profile:", err)
			}
		}()
	}
	return a.runBench(ctx, names, dev, c, o.JSON)
}

// runBench runs the named workloads with config c.
func (a *app) runBench(ctx context.Context, names []string, dev ember.Device, c benchConfig, asJSON bool) error {
	e := &emitter{w: a.stdout, json: asJSON, device: dev.String()}
	e.markStart()
	for _, n := range names {
		for _, w := range workloads {
			if w.name != n {
				continue
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			var runErr error
			if err := ember.Catch(func() { runErr = w.run(ctx, e, dev, c) }); err != nil {
				return fmt.Errorf("bench %s: %w", n, err)
			}
			if runErr != nil {
				return fmt.Errorf("bench %s: %w", n, runErr)
			}
		}
	}
	return nil
}

// syncDevice waits for the work that produced t (a host read of one
// element; the CPU computes eagerly, so there it returns at once).
func syncDevice(t *ember.Tensor) {
	if t.Device() != ember.CPU {
		t.Reshape(-1).Narrow(0, 0, 1).To(ember.CPU)
	}
}
