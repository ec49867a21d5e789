package cuda

import (
	"math"
	"testing"

	"github.com/emberdl/ember/backend"
)

// castValues are exact in every dtype's range rules shared by the CPU and
// the cast kernel (no infinities or out-of-range values into integers,
// where the two differ by design: the kernel saturates).
var castValues = []float64{0, 1, -1, 2.5, -2.5, 7.75, -7.75, 100, 127, 200, -100, 0.3, 255, 13, -0.6, 42}

func TestCopyEveryDTypePairStrided(t *testing.T) {
	w := newTwin(t)
	for _, from := range backend.DTypes() {
		for _, to := range backend.DTypes() {
			// src: a transposed 4×4 window of a 4×5 buffer, offset 1.
			vals := make([]float64, 21)
			for i := range vals {
				vals[i] = castValues[i%len(castValues)]
			}
			if from.IsFloat() {
				vals[3] = math.NaN()
			}
			cb, gb := w.buffer(from, vals)
			src := pair{
				backend.View{Buf: cb, Shape: []int{4, 4}, Strides: []int{1, 5}, Offset: 1},
				backend.View{Buf: gb, Shape: []int{4, 4}, Strides: []int{1, 5}, Offset: 1},
			}
			// dst: every other column of a 4×8 buffer.
			dst := w.alloc(to, 0, 32)
			dst.c = backend.View{Buf: dst.c.Buf, Shape: []int{4, 4}, Strides: []int{8, 2}, Offset: 1}
			dst.g = backend.View{Buf: dst.g.Buf, Shape: []int{4, 4}, Strides: []int{8, 2}, Offset: 1}
			onDevice(t, w.g, "cast", func() {
				w.run(func(be backend.Backend, v []backend.View) { be.Copy(v[0], v[1]) }, dst, src)
			})
			whole := pair{backend.Dense(dst.c.Buf, 32), backend.Dense(dst.g.Buf, 32)}
			w.same(from.String()+"->"+to.String(), whole, exact)
		}
	}
}

func TestCopyBroadcastAndDenseFastPath(t *testing.T) {
	w := newTwin(t)
	row := w.random(backend.Float32, -1, 1, 5)
	// A zero-stride broadcast of one row into 3 rows.
	src := pair{
		backend.View{Buf: row.c.Buf, Shape: []int{3, 5}, Strides: []int{0, 1}},
		backend.View{Buf: row.g.Buf, Shape: []int{3, 5}, Strides: []int{0, 1}},
	}
	dst := w.alloc(backend.Float32, 0, 3, 5)
	w.run(func(be backend.Backend, v []backend.View) { be.Copy(v[0], v[1]) }, dst, src)
	w.same("broadcast copy", dst, exact)
	// Dense to dense at offsets: a memcpy.
	a := w.random(backend.Int64, -50, 50, 10)
	b := w.alloc(backend.Int64, 7, 12)
	sub := func(v backend.View, off int) backend.View {
		return backend.View{Buf: v.Buf, Shape: []int{6}, Strides: []int{1}, Offset: off}
	}
	w.run(func(be backend.Backend, v []backend.View) { be.Copy(sub(v[0], 5), sub(v[1], 2)) }, b, a)
	w.same("dense int64 copy", b, exact)
}

func TestFill(t *testing.T) {
	w := newTwin(t)
	for _, d := range backend.DTypes() {
		for _, value := range []float64{0, math.Copysign(0, -1), 1, -3.25, 300.7, math.NaN()} {
			if !d.IsFloat() && (math.IsNaN(value) || value > 255 && d == backend.Uint8) {
				continue
			}
			p := w.alloc(d, 5, 3, 4)
			// The middle two columns, and the whole buffer.
			mid := pair{
				backend.View{Buf: p.c.Buf, Shape: []int{3, 2}, Strides: []int{4, 1}, Offset: 1},
				backend.View{Buf: p.g.Buf, Shape: []int{3, 2}, Strides: []int{4, 1}, Offset: 1},
			}
			w.run(func(be backend.Backend, v []backend.View) { be.Fill(v[0], value) }, mid)
			w.same(d.String()+" strided fill", p, exact)
			w.run(func(be backend.Backend, v []backend.View) { be.Fill(v[0], value) }, p)
			w.same(d.String()+" dense fill", p, exact)
			if d.IsFloat() && value == 0 {
				got := read(w.g, p.g)
				if math.Signbit(got[0]) != math.Signbit(value) {
					t.Errorf("%v fill with %v gave %v: the sign of zero is lost", d, value, got[0])
				}
			}
		}
	}
}

func TestArange(t *testing.T) {
	w := newTwin(t)
	for _, d := range []backend.DType{backend.Float32, backend.Int64, backend.BFloat16} {
		p := w.alloc(d, 0, 10)
		every := pair{
			backend.View{Buf: p.c.Buf, Shape: []int{5}, Strides: []int{2}, Offset: 1},
			backend.View{Buf: p.g.Buf, Shape: []int{5}, Strides: []int{2}, Offset: 1},
		}
		w.runDev("TestArange", func(be backend.Backend, v []backend.View) { be.Arange(v[0], -2, 1.5) }, every)
		w.same(d.String()+" arange", p, exact)
	}
}

func TestTransfersRoundTrip(t *testing.T) {
	g := emuDevice(t)
	w := newTwin(t)
	for _, d := range backend.DTypes() {
		vals := castValues
		buf := g.FromHost(d, hostSlice(d, vals))
		if buf.Len() != len(vals) || buf.DType() != d {
			t.Fatalf("%v: buffer of %d %v", d, buf.Len(), buf.DType())
		}
		want := floats(hostSlice(d, vals))
		if d.IsHalf() {
			want = read(w.c, backend.Dense(w.c.FromHost(d, hostSlice(d, vals)), len(vals)))
		}
		if msg := compare(read(g, backend.Dense(buf, len(vals))), want, exact); msg != "" {
			t.Errorf("%v round trip: %s", d, msg)
		}
	}
	// Empty buffers and views.
	e := g.FromHost(backend.Float32, []float32{})
	g.ToHost(backend.Dense(e, 0), []float32{})
	if e.Len() != 0 {
		t.Errorf("empty buffer has %d elements", e.Len())
	}
}

func TestHostTypeMismatchPanics(t *testing.T) {
	g := emuDevice(t)
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"FromHost", func() { g.FromHost(backend.Float64, []float32{1}) }},
		{"ToHost type", func() { g.ToHost(backend.Dense(g.FromHost(backend.Int32, []int32{1}), 1), []int64{0}) }},
		{"ToHost length", func() { g.ToHost(backend.Dense(g.FromHost(backend.Int32, []int32{1, 2}), 2), []int32{0}) }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", c.name)
				}
			}()
			c.f()
		}()
	}
}
