package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/emberdl/ember/backend"
)

func TestLSTMCell(t *testing.T) {
	c := New()
	for _, sz := range [][2]int{{1, 1}, {3, 7}, {64, 256}, {5, 33}} {
		rows, hid := sz[0], sz[1]
		r := rand.New(rand.NewPCG(uint64(rows), uint64(hid)))
		mk := func(n int) []float32 {
			s := make([]float32, n)
			for i := range s {
				s[i] = float32(r.NormFloat64() * 2)
			}
			return s
		}
		g, cp, bias := mk(rows*4*hid), mk(rows*hid), mk(4*hid)
		g0 := append([]float32(nil), g...)
		for i := range g0 { // the pre-activations the cell sees: gates + bias
			g0[i] += bias[i%(4*hid)]
		}
		cNew, tc, h := make([]float32, rows*hid), make([]float32, rows*hid), make([]float32, rows*hid)
		view := func(s []float32, cols int) backend.View {
			return backend.View{Buf: NewBuffer(backend.Float32, s), Shape: []int{rows, cols}, Strides: []int{cols, 1}}
		}
		bv := backend.View{Buf: NewBuffer(backend.Float32, bias), Shape: []int{4 * hid}, Strides: []int{1}}
		if !c.LSTMCell(view(g, 4*hid), bv, view(cp, hid), view(cNew, hid), view(tc, hid), view(h, hid)) {
			t.Fatalf("%v: LSTMCell refused dense float32 views", sz)
		}
		sig := func(x float32) float64 { return 1 / (1 + math.Exp(-float64(x))) }
		for b := range rows {
			for j := range hid {
				x := g0[b*4*hid:]
				i, f, gg, o := sig(x[j]), sig(x[hid+j]), math.Tanh(float64(x[2*hid+j])), sig(x[3*hid+j])
				wc := f*float64(cp[b*hid+j]) + i*gg
				want := [...]float64{i, f, gg, o, wc, math.Tanh(wc), o * math.Tanh(wc)}
				got := [...]float32{g[b*4*hid+j], g[b*4*hid+hid+j], g[b*4*hid+2*hid+j], g[b*4*hid+3*hid+j], cNew[b*hid+j], tc[b*hid+j], h[b*hid+j]}
				for k := range want {
					if d := math.Abs(float64(got[k]) - want[k]); d > 1e-5*(1+math.Abs(want[k])) {
						t.Fatalf("%v row %d col %d value %d: got %v, want %v", sz, b, j, k, got[k], want[k])
					}
				}
			}
		}
	}
	// Layouts and dtypes it does not take are refused, untouched.
	f64 := backend.View{Buf: NewBuffer(backend.Float64, make([]float64, 8)), Shape: []int{1, 8}, Strides: []int{8, 1}}
	f32 := func(n int) backend.View {
		return backend.View{Buf: NewBuffer(backend.Float32, make([]float32, n)), Shape: []int{1, n}, Strides: []int{n, 1}}
	}
	if c.LSTMCell(f64, backend.View{}, f32(2), f32(2), f32(2), f32(2)) {
		t.Error("LSTMCell took float64 gates")
	}
	if c.LSTMCell(f32(8), backend.View{}, f32(3), f32(2), f32(2), f32(2)) {
		t.Error("LSTMCell took a cell state of the wrong width")
	}
	short := backend.View{Buf: NewBuffer(backend.Float32, make([]float32, 7)), Shape: []int{7}, Strides: []int{1}}
	if c.LSTMCell(f32(8), short, f32(2), f32(2), f32(2), f32(2)) {
		t.Error("LSTMCell took a bias of the wrong length")
	}
	strided := f32(8)
	strided.Shape, strided.Strides = []int{1, 4}, []int{8, 2}
	if c.LSTMCell(f32(16), backend.View{}, strided, f32(4), f32(4), f32(4)) {
		t.Error("LSTMCell took a strided row")
	}
}

func TestLSTMCellBackward(t *testing.T) {
	c := New()
	for _, sz := range [][2]int{{1, 1}, {3, 7}, {64, 256}} {
		rows, hid := sz[0], sz[1]
		r := rand.New(rand.NewPCG(uint64(rows), uint64(hid)+1))
		mk := func(n int, sig bool) []float32 {
			s := make([]float32, n)
			for i := range s {
				v := r.NormFloat64()
				if sig {
					v = 1 / (1 + math.Exp(-v))
				}
				s[i] = float32(v)
			}
			return s
		}
		dh, tc, cp, dcf := mk(rows*hid, false), mk(rows*hid, true), mk(rows*hid, false), mk(rows*hid, false)
		acts, dg := mk(rows*4*hid, true), make([]float32, rows*4*hid)
		dcf0 := append([]float32(nil), dcf...)
		view := func(s []float32, cols int) backend.View {
			return backend.View{Buf: NewBuffer(backend.Float32, s), Shape: []int{rows, cols}, Strides: []int{cols, 1}}
		}
		if !c.LSTMCellBackward(view(dh, hid), view(acts, 4*hid), view(tc, hid), view(cp, hid), view(dcf, hid), view(dg, 4*hid)) {
			t.Fatalf("%v: refused dense float32 views", sz)
		}
		for b := range rows {
			for j := range hid {
				a := acts[b*4*hid:]
				i, f, g, o := float64(a[j]), float64(a[hid+j]), float64(a[2*hid+j]), float64(a[3*hid+j])
				h, tcv := float64(dh[b*hid+j]), float64(tc[b*hid+j])
				dc := h*o*(1-tcv*tcv) + float64(dcf0[b*hid+j])
				want := [...]float64{dc * g * i * (1 - i), dc * float64(cp[b*hid+j]) * f * (1 - f), dc * i * (1 - g*g), h * tcv * o * (1 - o), dc * f}
				d := dg[b*4*hid:]
				got := [...]float32{d[j], d[hid+j], d[2*hid+j], d[3*hid+j], dcf[b*hid+j]}
				for k := range want {
					if e := math.Abs(float64(got[k]) - want[k]); e > 1e-5*(1+math.Abs(want[k])) {
						t.Fatalf("%v row %d col %d value %d: got %v, want %v", sz, b, j, k, got[k], want[k])
					}
				}
			}
		}
	}
	f32 := func(n int) backend.View {
		return backend.View{Buf: NewBuffer(backend.Float32, make([]float32, n)), Shape: []int{1, n}, Strides: []int{n, 1}}
	}
	if c.LSTMCellBackward(f32(2), f32(8), f32(2), f32(2), f32(2), f32(7)) {
		t.Error("took gate gradients of the wrong width")
	}
}

// BenchmarkLSTMCellBackward times the backward cell of one step of the
// reference LSTM (batch 64, 256 hidden units).
func BenchmarkLSTMCellBackward(b *testing.B) {
	const rows, hid = 64, 256
	c := New()
	mk := func(n int) backend.View {
		s := make([]float32, rows*n)
		for i := range s {
			s[i] = float32(i%13) / 13
		}
		return backend.View{Buf: NewBuffer(backend.Float32, s), Shape: []int{rows, n}, Strides: []int{n, 1}}
	}
	dh, acts, tc, cp, dcf, dg := mk(hid), mk(4*hid), mk(hid), mk(hid), mk(hid), mk(4*hid)
	for b.Loop() {
		c.LSTMCellBackward(dh, acts, tc, cp, dcf, dg)
	}
}
