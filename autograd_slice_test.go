package ember

import (
	"math"
	"testing"
)

// TestSliceGradientsAddIntoPending checks the slice shortcut of the backward
// engine (node.addInto): the gradients of pieces of one tensor added in
// place into its gradient give the same result as the zero-filled pieces
// summed, and the shortcut is taken where the engine owns that gradient.
func TestSliceGradientsAddIntoPending(t *testing.T) {
	cases := []struct {
		name      string
		pieces    func(y *Tensor) []*Tensor
		shortcuts int // taken at least this often
	}{
		{"split in three", func(y *Tensor) []*Tensor { return y.Split(32, 1) }, 2},
		{"overlapping narrows", func(y *Tensor) []*Tensor { return []*Tensor{y.Narrow(1, 0, 64), y.Narrow(1, 32, 64)} }, 1},
		{"strided slices", func(y *Tensor) []*Tensor { return []*Tensor{y.Slice(1, 0, 96, 2), y.Slice(1, 1, 96, 3)} }, 1},
		{"rows", func(y *Tensor) []*Tensor { return []*Tensor{y.Narrow(0, 0, 16), y.Narrow(0, 16, 16)} }, 1},
		{"a slice and the whole", func(y *Tensor) []*Tensor { return []*Tensor{y.Narrow(1, 8, 48), y} }, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var grads [2]*Tensor
			taken := 0
			for i, shortcut := range []bool{true, false} {
				x := randT(81, -1, 1, 32, 96).SetRequiresGrad(true)
				w := randT(82, -1, 1, 96, 96)
				y := x.Matmul(w).Relu() // its gradient is made by the engine
				loss := Scalar(float32(0))
				for j, p := range c.pieces(y) {
					if n := p.node; n != nil && n.addInto != nil {
						if !shortcut {
							n.addInto = nil
						} else {
							f := n.addInto
							n.addInto = func(acc, g *Tensor) bool {
								ok := f(acc, g)
								if ok {
									taken++
								}
								return ok
							}
						}
					}
					loss = loss.Add(p.Mul(p).MulScalar(float64(j + 1)).Sum())
				}
				loss.Backward()
				grads[i] = x.Grad()
			}
			if taken < c.shortcuts {
				t.Errorf("shortcut taken %d times, want at least %d", taken, c.shortcuts)
			}
			assertSame(t, "x.grad with the shortcut", grads[0], grads[1])
		})
	}
}

// TestSliceShortcutLeavesSharedGradients checks that a gradient the engine
// does not own alone is not written into: an Add hands one gradient to both
// of its inputs, one of which is also sliced.
func TestSliceShortcutLeavesSharedGradients(t *testing.T) {
	c := randT(85, -1, 1, 32, 64)
	c2 := randT(86, -1, 1, 32, 32)
	cv, c2v := c.Float64s(), c2.Float64s()
	for _, sliceFirst := range []bool{true, false} {
		x1 := randT(83, -1, 1, 32, 64).SetRequiresGrad(true)
		x2 := randT(84, -1, 1, 32, 64).SetRequiresGrad(true)
		y, v := x1.MulScalar(2), x2.MulScalar(3)
		sum := y.Add(v).Mul(c).Sum() // the Add's gradient: one contiguous tensor for y and v
		// v is sliced too, so its node waits for this branch, keeping the
		// Add's gradient shared while y's slice is differentiated.
		piece := y.Narrow(1, 0, 32).Mul(c2).Add(v.Narrow(1, 0, 32)).MulScalar(5).Sum()
		loss := piece.Add(sum) // the Add's branch runs first
		if sliceFirst {
			loss = sum.Add(piece)
		}
		loss.Backward()
		g1, g2 := x1.Grad().Float64s(), x2.Grad().Float64s()
		for i := range g2 {
			r, col := i/64, i%64
			want1, want2 := 2*cv[i], 3*cv[i]
			if col < 32 {
				want1 += 10 * c2v[r*32+col]
				want2 += 15
			}
			if math.Abs(g1[i]-want1) > 1e-5 || math.Abs(g2[i]-want2) > 1e-5 {
				t.Fatalf("slice first %v: element %d: x1.grad %v, x2.grad %v, want %v and %v", sliceFirst, i, g1[i], g2[i], want1, want2)
			}
		}
	}
}

// TestInPlaceSumsMatchRecorded checks the engine's in-place sums of
// gradients (engine.addInPlace) against a backward recorded with
// CreateGraph, which never sums in place: tensors used several times, a
// residual connection, and an Add whose one gradient goes to two inputs that
// each gather more.
func TestInPlaceSumsMatchRecorded(t *testing.T) {
	c := randT(91, -1, 1, 32, 64)
	build := func() (x1, x2, loss *Tensor) {
		x1 = randT(92, -1, 1, 32, 64).SetRequiresGrad(true)
		x2 = randT(93, -1, 1, 32, 64).SetRequiresGrad(true)
		y, v := x1.MulScalar(2), x2.MulScalar(3)
		z := y.Relu().Add(y.Tanh()).Add(y.Mul(y)) // y's gradient: three terms
		u := y.Add(v)                             // one gradient for y and v
		h := z.Add(u).Add(v.Mul(c))               // v gathers another term
		return x1, x2, h.Mul(c).Sum()
	}
	x1, x2, loss := build()
	loss.Backward()
	r1, r2, rl := build()
	want := Grad([]*Tensor{rl}, []*Tensor{r1, r2}, CreateGraph())
	assertSame(t, "x1.grad", x1.Grad(), want[0].Detach())
	assertSame(t, "x2.grad", x2.Grad(), want[1].Detach())
}
