package cuda

import (
	"fmt"
	"slices"
	"testing"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/kernels"
)

func TestOptimStep(t *testing.T) {
	w := newTwin(t)
	base := backend.OptimHyper{LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Alpha: 0.99, Step: 3}
	cases := []struct {
		name   string
		kind   backend.OptimKind
		states int
		mod    func(h *backend.OptimHyper)
	}{
		{"sgd", backend.OptSGD, 0, func(h *backend.OptimHyper) {}},
		{"sgd wd maximize", backend.OptSGD, 0, func(h *backend.OptimHyper) { h.WeightDecay, h.Maximize = 0.1, true }},
		{"sgd momentum first", backend.OptSGD, 1, func(h *backend.OptimHyper) { h.Momentum, h.First = 0.9, true }},
		{"sgd nesterov", backend.OptSGD, 1, func(h *backend.OptimHyper) { h.Momentum, h.Nesterov, h.Dampening = 0.9, true, 0 }},
		{"sgd dampening", backend.OptSGD, 1, func(h *backend.OptimHyper) { h.Momentum, h.Dampening = 0.5, 0.3 }},
		{"adam", backend.OptAdam, 2, func(h *backend.OptimHyper) {}},
		{"adamw", backend.OptAdam, 2, func(h *backend.OptimHyper) { h.WeightDecay, h.Decoupled = 0.05, true }},
		{"adam maximize", backend.OptAdam, 2, func(h *backend.OptimHyper) { h.Maximize = true }},
		{"adam l2", backend.OptAdam, 2, func(h *backend.OptimHyper) { h.WeightDecay = 0.05 }},
		{"adam amsgrad", backend.OptAdam, 3, func(h *backend.OptimHyper) { h.AMSGrad = true }},
		{"rmsprop centered momentum", backend.OptRMSprop, 3, func(h *backend.OptimHyper) { h.Centered, h.Momentum = true, 0.5 }},
		{"adagrad", backend.OptAdagrad, 1, func(h *backend.OptimHyper) { h.LRDecay = 0.01 }},
		{"lion", backend.OptLion, 1, func(h *backend.OptimHyper) { h.WeightDecay = 0.1 }},
	}
	for _, d := range []backend.DType{backend.Float32, backend.Float64, backend.BFloat16} {
		for _, c := range cases {
			h := base
			c.mod(&h)
			p := w.random(d, -1, 1, 300)
			g := w.random(d, -1, 1, 300)
			views := []pair{p, g}
			for i := 0; i < c.states; i++ {
				views = append(views, w.random(d, 0, 0.5, 300)) // non-negative: valid second moments
			}
			what := fmt.Sprintf("%v %s", d, c.name)
			step := func() {
				w.run(func(be backend.Backend, v []backend.View) {
					out := make([]bool, len(v))
					for i := range out {
						out[i] = i != 1
					}
					halfOrSelf(be, v, out, func(v []backend.View) { be.OptimStep(c.kind, v[0], v[1], v[2:], h) })
				}, views...)
			}
			onDevice(t, w.g, what, step)
			tl := tolFor(d)
			if d == backend.Float32 {
				tl = tol{1e-5, 1e-6}
			}
			w.same(what+" param", p, tl)
			for i := 2; i < len(views); i++ {
				w.same(fmt.Sprintf("%s state %d", what, i-2), views[i], tl)
			}
		}
	}
}

func TestRandomBitExact(t *testing.T) {
	w := newTwin(t)
	for _, c := range []struct {
		d    backend.DType
		dist backend.Dist
		a, b float64
	}{
		{backend.Float32, backend.Uniform, 0, 1},
		{backend.Float32, backend.Uniform, -2, 3},
		{backend.Float64, backend.Uniform, -1, 1},
		{backend.Float32, backend.Normal, 1, 2},
		{backend.Float64, backend.Normal, 0, 1},
		{backend.BFloat16, backend.Uniform, 0, 1},
		{backend.Float16, backend.Normal, 0, 1},
		{backend.Int32, backend.Uniform, 0, 100},
		{backend.Float32, backend.Bernoulli, 0.3, 0},
		{backend.Bool, backend.Bernoulli, 0.5, 0},
		{backend.BFloat16, backend.Bernoulli, 0.5, 0},
		{backend.Int64, backend.RandInt, -5, 17},
		{backend.Uint8, backend.RandInt, 0, 200},
	} {
		what := fmt.Sprintf("%v %s(%v, %v)", c.d, distName(c.dist), c.a, c.b)
		// A dense view and a strided window (every other column of a
		// [7, 18] buffer, offset 1): the CPU draws the two with different
		// transforms, and so must the device.
		dense := w.alloc(c.d, 0, 7, 9)
		whole := w.alloc(c.d, 0, 7*18)
		strided := pair{
			backend.View{Buf: whole.c.Buf, Shape: []int{7, 9}, Strides: []int{18, 2}, Offset: 1},
			backend.View{Buf: whole.g.Buf, Shape: []int{7, 9}, Strides: []int{18, 2}, Offset: 1},
		}
		onDevice(t, w.g, what, func() {
			w.run(func(be backend.Backend, v []backend.View) {
				for i, off := range []uint64{77, 1 << 33} {
					if be.SupportsMath(c.d) {
						be.Random(v[i], c.dist, 0x1234_5678_9abc, off, c.a, c.b)
						continue
					}
					// The ember package draws half types as dense float32.
					t := backend.Dense(be.Alloc(backend.Float32, v[i].Numel()), v[i].Shape...)
					be.Random(t, c.dist, 0x1234_5678_9abc, off, c.a, c.b)
					be.Copy(v[i], t)
				}
			}, dense, strided)
		})
		w.same(what, dense, exact)
		w.same(what+" strided", whole, exact)
	}
}

func TestIndexSelectAndAdd(t *testing.T) {
	w := newTwin(t)
	for _, d := range floatTypes {
		src := w.random(d, -1, 1, 5, 3, 2)
		idx := w.dense(backend.Int64, []float64{4, 0, 4, 2}, 4)
		dst := w.alloc(d, 0, 4, 3, 2)
		onDevice(t, w.g, "index select", func() {
			w.runDev("TestIndexSelectAndAdd", func(be backend.Backend, v []backend.View) { be.IndexSelect(v[0], v[1], 0, v[2]) }, dst, src, idx)
		})
		w.same(d.String()+" index select", dst, exact)

		acc := w.random(d, -1, 1, 5, 3, 2)
		add := w.random(d, -1, 1, 4, 3, 2)
		onDevice(t, w.g, "index add", func() {
			w.runDev("TestIndexSelectAndAdd", func(be backend.Backend, v []backend.View) {
				halfOrSelf(be, v, []bool{true, false, false}, func(v []backend.View) { be.IndexAdd(v[0], 0, v[1], v[2]) })
			}, acc, idx, add)
		})
		w.same(d.String()+" index add", acc, tolFor(d))
	}
	// Other axes and dtypes.
	src := w.random(backend.Int32, -9, 9, 3, 4)
	idx := w.dense(backend.Int64, []float64{3, 1}, 2)
	dst := w.alloc(backend.Int32, 0, 3, 2)
	w.runDev("TestIndexSelectAndAdd", func(be backend.Backend, v []backend.View) { be.IndexSelect(v[0], v[1], 1, v[2]) }, dst, src, idx)
	w.same("int32 index select axis 1", dst, exact)
	acc := w.random(backend.Float32, -1, 1, 3, 4)
	add := w.random(backend.Float32, -1, 1, 3, 2)
	w.runDev("TestIndexSelectAndAdd", func(be backend.Backend, v []backend.View) { be.IndexAdd(v[0], 1, v[1], v[2]) }, acc, idx, add)
	w.same("index add axis 1", acc, tolF32)
}

func TestIndexingSortConvPool(t *testing.T) {
	w := newTwin(t)
	// Gather and Scatter along axis 1.
	src := w.random(backend.BFloat16, -1, 1, 2, 4)
	idx := w.dense(backend.Int64, []float64{3, 0, 1, 1, 2, 3}, 2, 3)
	g := w.alloc(backend.BFloat16, 0, 2, 3)
	w.runDev("indexing, sort, conv, pool", func(be backend.Backend, v []backend.View) { be.Gather(v[0], v[1], 1, v[2]) }, g, src, idx)
	w.same("gather", g, exact)
	dst := w.random(backend.Float32, -1, 1, 2, 4)
	upd := w.random(backend.Float32, -1, 1, 2, 3)
	w.runDev("indexing, sort, conv, pool", func(be backend.Backend, v []backend.View) { be.Scatter(v[0], 1, v[1], v[2], true) }, dst, idx, upd)
	w.same("scatter add", dst, tolF32)

	// Sort with ties and descending order.
	vals := w.dense(backend.Float32, []float64{3, 1, 2, 1, 5, 0, 2, 2}, 2, 4)
	sv, si := w.alloc(backend.Float32, 0, 2, 4), w.alloc(backend.Int64, 0, 2, 4)
	w.runDev("indexing, sort, conv, pool", func(be backend.Backend, v []backend.View) { be.Sort(v[0], v[1], v[2], 1, true) }, sv, si, vals)
	w.same("sorted values", sv, exact)
	w.same("sorted indices", si, exact)

	// Nonzero of a strided view.
	nz := transposed(w.dense(backend.Float32, []float64{0, 1, 0, 2, 3, 0}, 3, 2))
	cb, cn := w.c.Nonzero(nz.c)
	var gb backend.Buffer
	var gn int
	onDevice(t, w.g, "nonzero", func() { gb, gn = w.g.Nonzero(nz.g) })
	if cn != gn {
		t.Fatalf("nonzero count %d, want %d", gn, cn)
	}
	w.same("nonzero", pair{backend.Dense(cb, cn), backend.Dense(gb, gn)}, exact)

	// Convolution, both gradients, and max pooling.
	p := backend.ConvParams{StrideH: 1, StrideW: 2, PadH: 1, PadW: 0, DilationH: 1, DilationW: 1, Groups: 2}
	x := w.random(backend.Float32, -1, 1, 2, 4, 5, 6)
	k := w.random(backend.Float32, -1, 1, 6, 2, 3, 2)
	y := w.alloc(backend.Float32, 0, 2, 6, 5, 3)
	w.runDev("indexing, sort, conv, pool", func(be backend.Backend, v []backend.View) { be.Conv2d(v[0], v[1], v[2], p) }, y, x, k)
	w.same("conv2d", y, tolF32)
	dy := w.random(backend.Float32, -1, 1, 2, 6, 5, 3)
	dx, dk := w.alloc(backend.Float32, 0, 2, 4, 5, 6), w.alloc(backend.Float32, 0, 6, 2, 3, 2)
	w.runDev("indexing, sort, conv, pool", func(be backend.Backend, v []backend.View) {
		be.Conv2dBackwardData(v[0], v[2], v[4], p)
		be.Conv2dBackwardFilter(v[1], v[3], v[2], p)
	}, dx, dk, dy, x, k)
	w.same("conv2d backward data", dx, tolF32)
	w.same("conv2d backward filter", dk, tol{1e-5, 1e-5})
	pp := backend.PoolParams{KernelH: 2, KernelW: 2, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1, DilationH: 1, DilationW: 1}
	my, mi := w.alloc(backend.Float32, 0, 2, 4, 3, 4), w.alloc(backend.Int64, 0, 2, 4, 3, 4)
	w.runDev("indexing, sort, conv, pool", func(be backend.Backend, v []backend.View) { be.MaxPool2d(v[0], v[1], v[2], pp) }, my, mi, x)
	w.same("maxpool", my, exact)
	w.same("maxpool indices", mi, exact)
}

// TestFlashPays: the fused attention runs for short key sequences, and for
// long ones only when their scores would be too large to store.
func TestFlashPays(t *testing.T) {
	for _, c := range []struct {
		b, h, tq, tk int64
		want         bool
	}{
		{16, 4, 128, 128, true},      // char-GPT: fused wins
		{8, 12, 1024, 1024, false},   // GPT-2 small: composed wins, 400 MB of scores
		{1, 1, 1, 256, true},         // at the crossover
		{1, 1, 1, 257, false},        // past it
		{4, 16, 8192, 8192, true},    // 16 GiB of scores: not stored
		{1, 1, 200000, 300000, true}, // long context, batch 1
	} {
		at := kernels.Attention{B: c.b, H: c.h, Tq: c.tq, Tk: c.tk}
		if got := flashPays(at); got != c.want {
			t.Errorf("B=%d H=%d Tq=%d Tk=%d: flashPays %v, want %v", c.b, c.h, c.tq, c.tk, got, c.want)
		}
	}
}

// TestOptimStepMulti: one OptimStepMulti over 40 parameters of assorted
// sizes (two launches; an empty one among them), each with its own step
// count and first flag, against the CPU backend's OptimStep one parameter
// at a time; and the refusals, which leave everything as it was.
func TestOptimStepMulti(t *testing.T) {
	w := newTwin(t)
	for _, c := range []struct {
		name   string
		kind   backend.OptimKind
		states int
		h      backend.OptimHyper
	}{
		{"adamw", backend.OptAdam, 2, backend.OptimHyper{LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.05, Decoupled: true}},
		{"sgd momentum", backend.OptSGD, 1, backend.OptimHyper{LR: 0.1, Momentum: 0.9, Dampening: 0.1}},
	} {
		for _, d := range []backend.DType{backend.Float32, backend.Float64} {
			what := fmt.Sprintf("%v %s", d, c.name)
			const count = 40
			var ps, gs []pair
			var states [][]pair
			hs := make([]backend.OptimHyper, count)
			for i := range count {
				n := []int{1, 7, 300, 33, 0, 1000}[i%6] + i
				if i == 4 {
					n = 0
				}
				ps, gs = append(ps, w.random(d, -1, 1, n)), append(gs, w.random(d, -1, 1, n))
				var st []pair
				for range c.states {
					st = append(st, w.random(d, 0, 0.5, n))
				}
				states = append(states, st)
				hs[i] = c.h
				hs[i].Step, hs[i].First = 1+i%4, i%4 == 0
			}
			views := func(side func(pair) backend.View) ([]backend.View, []backend.View, [][]backend.View) {
				pv, gv, sv := make([]backend.View, count), make([]backend.View, count), make([][]backend.View, count)
				for i := range count {
					pv[i], gv[i] = side(ps[i]), side(gs[i])
					for _, s := range states[i] {
						sv[i] = append(sv[i], side(s))
					}
				}
				return pv, gv, sv
			}
			cpv, cgv, csv := views(func(p pair) backend.View { return p.c })
			gpv, ggv, gsv := views(func(p pair) backend.View { return p.g })
			for i := range count {
				w.c.OptimStep(c.kind, cpv[i], cgv[i], csv[i], hs[i])
			}
			var ok bool
			onDevice(t, w.g, what, func() { ok = w.g.OptimStepMulti(c.kind, gpv, ggv, gsv, hs) })
			if !ok {
				t.Fatalf("%s: OptimStepMulti refused", what)
			}
			for i := range count {
				w.same(fmt.Sprintf("%s param %d", what, i), ps[i], tolFor(d))
				for j, s := range states[i] {
					w.same(fmt.Sprintf("%s param %d state %d", what, i, j), s, tolFor(d))
				}
			}
		}
	}
	// Refusals: another dtype, another learning rate.
	h := backend.OptimHyper{LR: 0.1}
	a, b := w.random(backend.Float32, -1, 1, 5), w.random(backend.Float64, -1, 1, 5)
	before := read(w.g, a.g)
	if w.g.OptimStepMulti(backend.OptSGD, []backend.View{a.g, b.g}, []backend.View{a.g, b.g}, [][]backend.View{nil, nil}, []backend.OptimHyper{h, h}) {
		t.Error("two dtypes taken together")
	}
	other := h
	other.LR = 0.2
	c := w.random(backend.Float32, -1, 1, 5)
	if w.g.OptimStepMulti(backend.OptSGD, []backend.View{a.g, c.g}, []backend.View{a.g, c.g}, [][]backend.View{nil, nil}, []backend.OptimHyper{h, other}) {
		t.Error("two learning rates taken together")
	}
	if after := read(w.g, a.g); !slices.Equal(before, after) {
		t.Error("a refused call changed a parameter")
	}
}
