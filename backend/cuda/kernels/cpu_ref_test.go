package kernels

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cpu"
	"github.com/emberdl/ember/backend/cuda/driver"
)

// The CPU backend is the reference semantics of the kernels: these helpers
// run it on the same bytes the emulator gets.

var cpuBE = cpu.New()

// zalloc allocates a zeroed CPU buffer. The CPU backend's Alloc returns
// pooled, uninitialised memory, while the tests compare whole buffers,
// gaps of strided layouts included, with device buffers that start zeroed.
func zalloc(d backend.DType, n int) backend.Buffer {
	b := cpuBE.Alloc(d, n)
	cpuBE.Fill(backend.Dense(b, n), 0)
	return b
}

// bdt maps a kernel dtype to the backend's (the two enumerations agree).
func bdt(d DType) backend.DType { return backend.DType(d) }

// cpuBuffer returns a CPU buffer holding the encoded elements b of type d.
func cpuBuffer(d DType, b []byte) *cpu.Buffer {
	n := len(b) / d.Size()
	le := binary.LittleEndian
	switch d {
	case F32:
		s := make([]float32, n)
		for i := range s {
			s[i] = math.Float32frombits(le.Uint32(b[4*i:]))
		}
		return cpu.NewBuffer(bdt(d), s)
	case F64:
		s := make([]float64, n)
		for i := range s {
			s[i] = math.Float64frombits(le.Uint64(b[8*i:]))
		}
		return cpu.NewBuffer(bdt(d), s)
	case BF16, F16:
		s := make([]uint16, n)
		for i := range s {
			s[i] = le.Uint16(b[2*i:])
		}
		return cpu.NewBuffer(bdt(d), s)
	case I64:
		s := make([]int64, n)
		for i := range s {
			s[i] = int64(le.Uint64(b[8*i:]))
		}
		return cpu.NewBuffer(bdt(d), s)
	case I32:
		s := make([]int32, n)
		for i := range s {
			s[i] = int32(le.Uint32(b[4*i:]))
		}
		return cpu.NewBuffer(bdt(d), s)
	case U8:
		return cpu.NewBuffer(bdt(d), append([]uint8(nil), b...))
	}
	s := make([]bool, n)
	for i := range s {
		s[i] = b[i] != 0
	}
	return cpu.NewBuffer(bdt(d), s)
}

// cpuBytes encodes a CPU buffer's elements.
func cpuBytes(buf backend.Buffer) []byte {
	b := buf.(*cpu.Buffer)
	d := DType(b.DType())
	out := make([]byte, b.Len()*d.Size())
	le := binary.LittleEndian
	switch d {
	case F32:
		for i, v := range b.F32 {
			le.PutUint32(out[4*i:], math.Float32bits(v))
		}
	case F64:
		for i, v := range b.F64 {
			le.PutUint64(out[8*i:], math.Float64bits(v))
		}
	case BF16, F16:
		for i, v := range b.U16 {
			le.PutUint16(out[2*i:], v)
		}
	case I64:
		for i, v := range b.I64 {
			le.PutUint64(out[8*i:], uint64(v))
		}
	case I32:
		for i, v := range b.I32 {
			le.PutUint32(out[4*i:], uint32(v))
		}
	case U8:
		copy(out, b.U8)
	case Bool:
		for i, v := range b.B {
			if v {
				out[i] = 1
			}
		}
	}
	return out
}

// layout is a strided view of a buffer: the kernels' Strides and the
// backend's View describe the same elements.
type layout struct {
	shape   []int
	strides []int
	offset  int
	size    int // elements in the buffer
}

// dense returns the contiguous layout of shape.
func dense(shape ...int) layout {
	return layout{shape: shape, strides: backend.ContiguousStrides(shape), size: backend.Numel(shape)}
}

// randomLayout returns a layout of shape with its dims laid out in a random
// order, gaps between them, an offset, and possibly a negative stride; with
// broadcast, possibly a zero stride.
func randomLayout(rng *rand.Rand, shape []int, broadcast bool) layout {
	l := layout{shape: shape, strides: make([]int, len(shape)), offset: rng.IntN(3)}
	order := rng.Perm(len(shape))
	step := 1
	for _, d := range order {
		l.strides[d] = step
		step *= max(shape[d], 1) * (1 + rng.IntN(2))
	}
	if len(shape) > 0 && rng.IntN(3) == 0 {
		d := rng.IntN(len(shape))
		if shape[d] > 1 {
			l.offset += (shape[d] - 1) * l.strides[d]
			l.strides[d] = -l.strides[d]
		}
	}
	if broadcast && len(shape) > 0 && rng.IntN(3) == 0 {
		l.strides[rng.IntN(len(shape))] = 0
	}
	hi := l.offset
	for d, s := range shape {
		if s > 0 && l.strides[d] > 0 {
			hi += (s - 1) * l.strides[d]
		}
	}
	l.size = hi + 1
	return l
}

// st returns the kernels' strides of l.
func (l layout) st() Strides {
	s := Strides{Offset: int64(l.offset)}
	for i, v := range l.strides {
		s.S[i] = int64(v)
	}
	return s
}

func (l layout) shape64() []int64 {
	out := make([]int64, len(l.shape))
	for i, v := range l.shape {
		out[i] = int64(v)
	}
	return out
}

// kshape returns the kernels' Shape of l.
func (l layout) kshape(t *testing.T) Shape {
	t.Helper()
	sh, err := NewShape(l.shape64()...)
	if err != nil {
		t.Fatal(err)
	}
	return sh
}

func (l layout) view(buf backend.Buffer) backend.View {
	return backend.View{Buf: buf, Shape: l.shape, Strides: l.strides, Offset: l.offset}
}

func (l layout) numel() int { return backend.Numel(l.shape) }

// tensor is a buffer on both sides: the emulator's and the CPU's copy.
type tensor struct {
	dt  DType
	l   layout
	dev driver.DevicePtr
	cpu *cpu.Buffer
}

// newTensor stores vals (l.size of them) as dt on both sides.
func newTensor(d *dev, dt DType, l layout, vals []float64) *tensor {
	d.t.Helper()
	b := encode(dt, vals)
	p := d.alloc(len(b))
	d.write(p, b)
	return &tensor{dt: dt, l: l, dev: p, cpu: cpuBuffer(dt, b)}
}

// randomTensor fills a tensor of layout l with values from gen.
func randomTensor(d *dev, dt DType, l layout, gen func() float64) *tensor {
	vals := make([]float64, l.size)
	for i := range vals {
		vals[i] = gen()
	}
	return newTensor(d, dt, l, vals)
}

func (x *tensor) operand() *Operand  { return &Operand{Ptr: x.dev, Strides: x.l.st()} }
func (x *tensor) view() backend.View { return x.l.view(x.cpu) }

// devBytes reads the emulator's whole buffer.
func (x *tensor) devBytes(d *dev) []byte { return d.read(x.dev, x.l.size*x.dt.Size()) }

// compare checks the emulator's buffer against the CPU's, elementwise with
// dt's tolerance (exact for integers and bool, and when exact is set).
func (x *tensor) compare(t *testing.T, d *dev, what string, exact bool) {
	t.Helper()
	got, want := x.devBytes(d), cpuBytes(x.cpu)
	if exact || !x.dt.isFloat() {
		for i := 0; i < len(got); i += x.dt.Size() {
			g, w := got[i:i+x.dt.Size()], want[i:i+x.dt.Size()]
			if string(g) != string(w) {
				gv, wv := decode(x.dt, g)[0], decode(x.dt, w)[0]
				if math.IsNaN(gv) && math.IsNaN(wv) {
					continue
				}
				t.Errorf("%s [%v]: element %d = %v, CPU %v", what, x.dt, i/x.dt.Size(), gv, wv)
				return
			}
		}
		return
	}
	checkClose(t, what, x.dt, decode(x.dt, got), decode(x.dt, want))
}

func (d DType) isFloat() bool { return d == F32 || d == F64 || d == BF16 || d == F16 }

// castRef converts v, a value of type from, to type to as the CPU's Copy
// does, and returns it as a float64 (exact for the integer types within
// ±2^53).
func castRef(to, from DType, v float64) float64 {
	src := cpuBuffer(from, encode(from, []float64{v}))
	dst := zalloc(bdt(to), 1)
	cpuBE.Copy(backend.Dense(dst, 1), backend.Dense(src, 1))
	return decode(to, cpuBytes(dst))[0]
}
