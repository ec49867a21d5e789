package cpu

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/emberdl/ember/backend"
)

// benchConvCase is one of bench/conv.py's workloads (3×3, pad 1, stride 1).
type benchConvCase struct {
	name       string
	n, c, h, w int
	o          int
}

var benchConvCases = []benchConvCase{
	{"fmnist_conv1", 128, 1, 28, 28, 32},
	{"fmnist_conv2", 128, 32, 14, 14, 64},
	{"resnet_3x3", 32, 64, 32, 32, 64},
}

// benchViews returns x, w and y views of a case filled with small values.
func benchViews(bc benchConvCase) (x, w, y backend.View) {
	fill := func(shape ...int) backend.View {
		v := backend.Dense(New().Alloc(backend.Float32, shapeNumel(shape)), shape...)
		for i := range buf(v).F32 {
			buf(v).F32[i] = float32(i%7-3) * 0.25
		}
		return v
	}
	return fill(bc.n, bc.c, bc.h, bc.w), fill(bc.o, bc.c, 3, 3), fill(bc.n, bc.o, bc.h, bc.w)
}

func shapeNumel(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// BenchmarkConv2d times the three convolution kernels on the bench/conv.py
// shapes; the GFLOP/s metric counts 2·N·O·OH·OW·C·KH·KW per call.
func BenchmarkConv2d(b *testing.B) {
	c := New()
	p := backend.ConvParams{StrideH: 1, StrideW: 1, PadH: 1, PadW: 1, DilationH: 1, DilationW: 1, Groups: 1}
	for _, bc := range benchConvCases {
		x, w, y := benchViews(bc)
		flops := 2.0 * float64(bc.n*bc.o*bc.h*bc.w*bc.c*9)
		for _, k := range []struct {
			name string
			run  func()
		}{
			{"forward", func() { c.Conv2d(y, x, w, p) }},
			{"data", func() { c.Conv2dBackwardData(x, y, w, p) }},
			{"filter", func() { c.Conv2dBackwardFilter(w, x, y, p) }},
		} {
			b.Run(fmt.Sprintf("%s/%s", bc.name, k.name), func(b *testing.B) {
				b.ReportAllocs()
				k.run()
				b.ResetTimer()
				cpu0 := cpuTime()
				for range b.N {
					k.run()
				}
				cpu := cpuTime() - cpu0
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				b.ReportMetric(cpu.Seconds()*1e3/float64(b.N), "cpu-ms/op")
			})
		}
	}
}

// BenchmarkMaxPool2d times 2×2 stride-2 max pooling on the CNN's two
// activations.
func BenchmarkMaxPool2d(b *testing.B) {
	c := New()
	p := backend.PoolParams{KernelH: 2, KernelW: 2, StrideH: 2, StrideW: 2, DilationH: 1, DilationW: 1}
	for _, s := range [][4]int{{128, 32, 28, 28}, {128, 64, 14, 14}} {
		x := backend.Dense(c.Alloc(backend.Float32, s[0]*s[1]*s[2]*s[3]), s[:]...)
		for i := range buf(x).F32 {
			buf(x).F32[i] = float32((i*7919)%1000) * 0.001
		}
		y := backend.Dense(c.Alloc(backend.Float32, s[0]*s[1]*s[2]*s[3]/4), s[0], s[1], s[2]/2, s[3]/2)
		idx := backend.Dense(c.Alloc(backend.Int64, s[0]*s[1]*s[2]*s[3]/4), s[0], s[1], s[2]/2, s[3]/2)
		b.Run(fmt.Sprintf("%dx%dx%dx%d", s[0], s[1], s[2], s[3]), func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := cpuTime()
			for range b.N {
				c.MaxPool2d(y, idx, x, p)
			}
			b.ReportMetric((cpuTime()-cpu0).Seconds()*1e3/float64(b.N), "cpu-ms/op")
		})
	}
}

// cpuTime is the CPU time (user and system) this process has used: on a
// shared machine it shows the work a kernel does when wall time does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
