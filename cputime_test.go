package ember

import (
	"syscall"
	"testing"
	"time"
)

// processCPU returns the CPU time (user + system) this process has used.
// Benchmarks report it per op besides the wall time: on a shared machine
// the wall time depends on what else runs, the CPU time much less.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// minorFaults returns the page faults this process has taken.
func minorFaults() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Minflt
}

// cpuMeter reports a benchmark's CPU time per op as the "cpu-ns/op" metric
// and its page faults (first touches of fresh memory) as "faults/op".
type cpuMeter struct {
	start  time.Duration
	faults int64
}

func startCPU() cpuMeter { return cpuMeter{processCPU(), minorFaults()} }

func (m cpuMeter) report(b *testing.B) {
	b.ReportMetric(float64(processCPU()-m.start)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(minorFaults()-m.faults)/float64(b.N), "faults/op")
}

// ProcessCPU is processCPU for the external test package's benchmarks.
var ProcessCPU = processCPU

// MinorFaults is minorFaults for the external test package's benchmarks.
var MinorFaults = minorFaults
