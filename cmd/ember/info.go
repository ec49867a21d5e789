package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/sys/cpu"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/internal/parallel"
)

func (a *app) infoCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "info",
		Short: "Print Ember's version, the CPU features and threads it uses, and the devices found",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			writeInfo(a.stdout)
			return nil
		},
	}
}

// cpuFeatures lists the SIMD features of this CPU that matter to Ember's
// kernels, as golang.org/x/sys/cpu detects them.
func cpuFeatures() []string {
	var out []string
	add := func(on bool, name string) {
		if on {
			out = append(out, name)
		}
	}
	switch runtime.GOARCH {
	case "amd64", "386":
		x := cpu.X86
		add(x.HasSSE41, "sse4.1")
		add(x.HasAVX, "avx")
		add(x.HasAVX2, "avx2")
		add(x.HasFMA, "fma")
		add(x.HasAVX512F, "avx512f")
		add(x.HasAVX512BW, "avx512bw")
		add(x.HasAVX512DQ, "avx512dq")
		add(x.HasAVX512VL, "avx512vl")
		add(x.HasAVX512VNNI, "avx512vnni")
		add(x.HasAVX512BF16, "avx512bf16")
	case "arm64":
		add(cpu.ARM64.HasASIMD, "asimd")
		add(cpu.ARM64.HasFPHP, "fp16")
		add(cpu.ARM64.HasASIMDHP, "asimdhp")
		add(cpu.ARM64.HasSVE, "sve")
	}
	return out
}

func writeInfo(w io.Writer) {
	feats := cpuFeatures()
	if len(feats) == 0 {
		feats = []string{"none detected"}
	}
	fmt.Fprintf(w, "Ember:        %s\n", emberVersion())
	fmt.Fprintf(w, "Go:           %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "CPU features: %s\n", strings.Join(feats, " "))
	fmt.Fprintf(w, "CPU kernels:  %s\n", cpuKernels())
	fmt.Fprintf(w, "Threads:      %d workers (GOMAXPROCS %d, %d CPUs)\n", parallel.Workers(), runtime.GOMAXPROCS(0), runtime.NumCPU())
	fmt.Fprintf(w, "Devices:      cpu\n")
	if err := ember.Available(ember.CUDA); err == nil {
		fmt.Fprintf(w, "              %v\n", ember.CUDA)
	} else {
		fmt.Fprintf(w, "CUDA:         unavailable: %v\n", err)
	}
	fmt.Fprintf(w, "Best device:  %v\n", ember.BestDevice())
}
