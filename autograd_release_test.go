package ember

import (
	"testing"

	"github.com/emberdl/ember/backend/cpu"
)

// churn allocates and fills buffers of the sizes a test used, so memory
// released too early would be reused and overwritten.
func churn(shape ...int) {
	for range 8 {
		Full(shape, 12345)
	}
}

// releaseGraph is y = sum(relu(x·w)·3), big enough for pooled buffers
// (2 KiB and up), returning x, w and the loss.
func releaseGraph() (x, w, loss *Tensor) {
	x = randT(71, -1, 1, 32, 48).SetRequiresGrad(true)
	w = randT(72, -1, 1, 48, 40).SetRequiresGrad(true)
	h := x.Matmul(w).Relu().MulScalar(3)
	return x, w, h.Sum()
}

// expectedW is d loss/d w for releaseGraph, computed apart.
func expectedW(x, w *Tensor) *Tensor {
	var gw *Tensor
	NoGrad(func() {
		mask := maskOf(x.Matmul(w).Gt(Scalar(float32(0))), x)
		gw = x.T().Matmul(mask.MulScalar(3))
	})
	return gw
}

func assertSame(t *testing.T, what string, got, want *Tensor) {
	t.Helper()
	if ok, msg := approxEqual(got, want.Float64s(), 1e-5, 1e-5); !ok {
		t.Fatalf("%s: %s", what, msg)
	}
}

// TestBackwardReleasesGradients checks that a backward pass hands dead
// gradients back to the pool, and that the gradients it leaves with the
// user stay intact when the released memory is reused.
func TestBackwardReleasesGradients(t *testing.T) {
	x, w, loss := releaseGraph()
	before := cpu.Stats().Releases
	loss.Backward()
	if cpu.Stats().Releases == before {
		t.Errorf("backward released no buffer")
	}
	want := expectedW(x, w)
	churn(32, 40)
	churn(48, 40)
	assertSame(t, "w.grad", w.Grad(), want)
	if x.Grad() == nil || !x.Grad().IsContiguous() {
		t.Fatalf("x.grad missing")
	}
	x.Grad().Sum().Item() // readable
}

// TestBackwardKeepsEscapedGradients checks every way a gradient becomes
// visible outside the engine: hooks, retained gradients, Grad's results,
// and user-written backward functions.
func TestBackwardKeepsEscapedGradients(t *testing.T) {
	t.Run("hook", func(t *testing.T) {
		x := randT(73, -1, 1, 32, 48).SetRequiresGrad(true)
		h := x.MulScalar(2)
		var seen *Tensor
		h.RegisterHook(func(g *Tensor) *Tensor { seen = g; return nil })
		h.Relu().MulScalar(3).Sum().Backward()
		churn(32, 48)
		var want *Tensor
		NoGrad(func() { want = maskOf(h.Gt(Scalar(float32(0))), h).MulScalar(3) })
		assertSame(t, "hooked gradient", seen, want)
	})
	t.Run("retain_grad", func(t *testing.T) {
		x := randT(74, -1, 1, 32, 48).SetRequiresGrad(true)
		h := x.MulScalar(2)
		h.RetainGrad()
		h.Relu().MulScalar(3).Sum().Backward()
		churn(32, 48)
		var want *Tensor
		NoGrad(func() { want = maskOf(h.Gt(Scalar(float32(0))), h).MulScalar(3) })
		assertSame(t, "retained gradient", h.Grad(), want)
	})
	t.Run("grad_of_intermediate", func(t *testing.T) {
		x := randT(75, -1, 1, 32, 48).SetRequiresGrad(true)
		h := x.MulScalar(2)
		g := Grad([]*Tensor{h.Relu().MulScalar(3).Sum()}, []*Tensor{h})[0]
		churn(32, 48)
		var want *Tensor
		NoGrad(func() { want = maskOf(h.Gt(Scalar(float32(0))), h).MulScalar(3) })
		assertSame(t, "Grad result", g, want)
	})
	t.Run("custom_function", func(t *testing.T) {
		var kept *Tensor
		double := &Function{Name: "Double",
			Forward: func(ctx *FunctionContext, in ...*Tensor) *Tensor { return in[0].MulScalar(2) },
			Backward: func(ctx *FunctionContext, g *Tensor) []*Tensor {
				kept = g
				return []*Tensor{g.MulScalar(2)}
			}}
		x := randT(76, -1, 1, 32, 48).SetRequiresGrad(true)
		y := double.Apply(x)
		y.Relu().MulScalar(3).Sum().Backward()
		churn(32, 48)
		var want *Tensor
		NoGrad(func() { want = maskOf(y.Gt(Scalar(float32(0))), y).MulScalar(3) })
		assertSame(t, "gradient seen by a Function", kept, want)
	})
	t.Run("accumulate_twice", func(t *testing.T) {
		x, w, loss := releaseGraph()
		loss.Backward()
		_, _, loss2 := func() (*Tensor, *Tensor, *Tensor) {
			h := x.Matmul(w).Relu().MulScalar(3)
			return x, w, h.Sum()
		}()
		loss2.Backward()
		churn(48, 40)
		var want *Tensor
		NoGrad(func() { want = expectedW(x, w).MulScalar(2) })
		assertSame(t, "accumulated w.grad", w.Grad(), want)
	})
}
