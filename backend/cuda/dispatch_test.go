package cuda

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/kernels"
)

// The parameter block of ember::unary<T> (see ember_elementwise.cu):
// out ptr, out Strides (72 bytes), in ptr, in Strides, Shape (72 bytes),
// i64 n, int op, double p0, double p1.
const (
	unaryOffOutStrides = 8
	unaryOffIn         = 80
	unaryOffInStrides  = 88
	unaryOffShape      = 160
	unaryOffNDim       = unaryOffShape + 64
	unaryOffFlat       = unaryOffShape + 68
	unaryOffN          = 232
	unaryOffOp         = 240
	unaryOffP0         = 248
	unaryOffP1         = 256
	unarySize          = 264
)

func le64(b []byte, off int) int64 { return int64(binary.LittleEndian.Uint64(b[off:])) }

func TestUnaryLaunchParameters(t *testing.T) {
	b, r := recBackend(t, 1<<30)
	src := b.FromHost(backend.Float32, make([]float32, 1000))
	dst := b.Alloc(backend.Float32, 1000)
	r.calls()
	b.Unary(backend.MulScalar, backend.Dense(dst, 1000), backend.Dense(src, 1000), -1.5, 0)
	if got := only(r.calls(), "function", "launch"); !slices.Equal(got, []string{"function ember::unary<float>", "launch grid 2 block 256 on compute"}) {
		t.Fatalf("calls %q", got)
	}
	a := r.args[len(r.args)-1]
	if len(a) != unarySize {
		t.Fatalf("parameter block of %d bytes, want %d", len(a), unarySize)
	}
	for _, c := range []struct {
		what      string
		got, want int64
	}{
		{"out ptr", le64(a, 0), int64(dst.(*Buffer).ptr())},
		{"in ptr", le64(a, unaryOffIn), int64(src.(*Buffer).ptr())},
		{"out stride", le64(a, unaryOffOutStrides), 1},
		{"in stride", le64(a, unaryOffInStrides), 1},
		{"dim", le64(a, unaryOffShape), 1000},
		{"ndim", int64(int32(binary.LittleEndian.Uint32(a[unaryOffNDim:]))), 1},
		{"flat", int64(int32(binary.LittleEndian.Uint32(a[unaryOffFlat:]))), 1},
		{"n", le64(a, unaryOffN), 1000},
		{"op", int64(int32(binary.LittleEndian.Uint32(a[unaryOffOp:]))), int64(kernels.MulScalar)},
		{"p1", le64(a, unaryOffP1), 0},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.what, c.got, c.want)
		}
	}
	if p0 := math.Float64frombits(uint64(le64(a, unaryOffP0))); p0 != -1.5 {
		t.Errorf("p0 = %v, want -1.5", p0)
	}
	// A transposed [4, 3] view of a [3, 4] buffer at offset 2: strides in
	// elements, the offset in the Strides struct, not flat.
	big := b.Alloc(backend.Float32, 14)
	r.calls()
	b.Unary(backend.Neg, backend.Dense(dst, 4, 3), backend.View{Buf: big, Shape: []int{4, 3}, Strides: []int{1, 4}, Offset: 2}, 0, 0)
	a = r.args[len(r.args)-1]
	if got := []int64{le64(a, unaryOffInStrides), le64(a, unaryOffInStrides+8), le64(a, unaryOffInStrides+64)}; !slices.Equal(got, []int64{1, 4, 2}) {
		t.Errorf("in strides and offset %v, want [1 4 2]", got)
	}
	if got := []int64{le64(a, unaryOffShape), le64(a, unaryOffShape+8), int64(a[unaryOffFlat])}; !slices.Equal(got, []int64{4, 3, 0}) {
		t.Errorf("shape and flat %v, want [4 3 0]", got)
	}
}

func TestKernelFailuresPanicWithOpError(t *testing.T) {
	b, r := recBackend(t, 1<<30)
	x := backend.Dense(b.Alloc(backend.Float32, 8), 8)
	r.fail["function"] = errors.New("no module for you")
	err := catchOp(t, func() { b.Unary(backend.Exp, x, x, 0, 0) })
	if err == nil || err.Op != "Unary" || !strings.Contains(err.Error(), "cuda:0: Unary: no module for you") {
		t.Errorf("missing kernel: %v", err)
	}
	delete(r.fail, "function")
	r.fail["launch"] = errInjected
	if err := catchOp(t, func() { b.Softmax(x, x, 0, false) }); err == nil || !errors.Is(err, errInjected) || err.Op != "Softmax" {
		t.Errorf("failing launch: %v", err)
	}
	delete(r.fail, "launch")
	r.fail["gemm"] = errInjected
	m := backend.Dense(b.Alloc(backend.Float32, 4), 1, 2, 2)
	if err := catchOp(t, func() { b.Matmul(m, m, m, 0) }); err == nil || !errors.Is(err, errInjected) || err.Op != "Matmul" {
		t.Errorf("failing gemm: %v", err)
	}
}

func TestMatmulQueuesOneGemmOnCompute(t *testing.T) {
	b, r := recBackend(t, 1<<30)
	x := backend.Dense(b.Alloc(backend.BFloat16, 2*3*4), 2, 3, 4)
	y := backend.View{Buf: b.Alloc(backend.BFloat16, 4*5), Shape: []int{2, 4, 5}, Strides: []int{0, 5, 1}}
	d := backend.Dense(b.Alloc(backend.BFloat16, 2*3*5), 2, 3, 5)
	r.calls()
	b.Matmul(d, x, y, 0)
	if got := only(r.calls(), "gemm", "launch", "memAlloc"); !slices.Equal(got, []string{"gemm 3x5x4 batch 2 on compute"}) {
		t.Errorf("broadcast bf16 matmul: %q, want one GEMM and nothing else", got)
	}
}

func TestFallbacksAreCounted(t *testing.T) {
	b, _ := recBackend(t, 1<<30)
	// The kernels take at most 8 dims: a 9-dim sort goes to the host.
	shape := []int{3, 1, 1, 1, 1, 1, 1, 1, 1}
	x := backend.Dense(b.FromHost(backend.Float32, []float32{3, 1, 2}), shape...)
	v, i := backend.Dense(b.Alloc(backend.Float32, 3), shape...), backend.Dense(b.Alloc(backend.Int64, 3), shape...)
	b.Sort(v, i, x, 0, false)
	b.Sort(v, i, x, 0, true)
	got := make([]float32, 3)
	b.ToHost(v, got)
	if !slices.Equal(got, []float32{3, 2, 1}) {
		t.Errorf("host sort gave %v", got)
	}
	if got := b.Fallbacks(); got["Sort"] != 2 || len(got) != 1 {
		t.Errorf("Fallbacks() = %v, want Sort: 2", got)
	}
	if info := b.Info(); !strings.Contains(info, "host fallbacks: Sort×2") || !strings.Contains(info, "Ember kernel emulator") {
		t.Errorf("Info() = %q", info)
	}
}
