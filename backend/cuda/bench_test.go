package cuda

import (
	"testing"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/blas"
	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/backend/cuda/kernels"
)

// nullGPU accepts every call and does nothing: benchmarks over it measure
// the backend's host-side cost per op (planning, packing, allocation),
// without the driver's.
type nullGPU struct {
	emuGPU
	next driver.DevicePtr
}

func (g *nullGPU) memAlloc(n uint64) (driver.DevicePtr, error) {
	g.next += driver.DevicePtr(n + 4096)
	return g.next, nil
}
func (g *nullGPU) memFree(driver.DevicePtr) error { return nil }
func (g *nullGPU) launch(driver.Function, kernels.Launch, uint32, driver.Stream, *driver.Args) error {
	return nil
}
func (g *nullGPU) gemm(blas.Gemm, float64, float64, driver.DevicePtr, driver.DevicePtr, driver.DevicePtr, driver.DevicePtr, driver.Stream) error {
	return nil
}
func (g *nullGPU) copyDtoD(driver.DevicePtr, driver.DevicePtr, uint64, driver.Stream) error {
	return nil
}

func nullBackend(b *testing.B) *Backend {
	g := &nullGPU{emuGPU: *newEmuGPU(nil, 1<<40), next: 1 << 32}
	be, err := newBackend(g, 0, 1056)
	if err != nil {
		b.Fatal(err)
	}
	return be
}

// BenchmarkDispatchUnary is the host cost of one unary op on a dense
// tensor, output allocation included.
func BenchmarkDispatchUnary(b *testing.B) {
	be := nullBackend(b)
	x := backend.Dense(be.Alloc(backend.Float32, 1<<20), 1024, 1024)
	b.ReportAllocs()
	for b.Loop() {
		y := backend.Dense(be.Alloc(backend.Float32, 1<<20), 1024, 1024)
		be.Unary(backend.Exp, y, x, 0, 0)
		Free(y.Buf)
	}
}

// BenchmarkDispatchBinaryBroadcast is the host cost of a broadcast add.
func BenchmarkDispatchBinaryBroadcast(b *testing.B) {
	be := nullBackend(b)
	x := backend.Dense(be.Alloc(backend.Float32, 1<<20), 1024, 1024)
	row := backend.View{Buf: be.Alloc(backend.Float32, 1024), Shape: []int{1024, 1024}, Strides: []int{0, 1}}
	y := backend.Dense(be.Alloc(backend.Float32, 1<<20), 1024, 1024)
	b.ReportAllocs()
	for b.Loop() {
		be.Binary(backend.Add, y, x, row)
	}
}

// BenchmarkDispatchMatmul is the host cost of a batched matmul.
func BenchmarkDispatchMatmul(b *testing.B) {
	be := nullBackend(b)
	x := backend.Dense(be.Alloc(backend.BFloat16, 8*128*64), 8, 128, 64)
	w := backend.View{Buf: be.Alloc(backend.BFloat16, 64*256), Shape: []int{8, 64, 256}, Strides: []int{0, 1, 64}}
	d := backend.Dense(be.Alloc(backend.BFloat16, 8*128*256), 8, 128, 256)
	b.ReportAllocs()
	for b.Loop() {
		be.Matmul(d, x, w, 0)
	}
}
