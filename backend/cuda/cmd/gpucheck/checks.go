package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strings"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cpu"
	"github.com/emberdl/ember/backend/cuda"
)

// check is one row of the table: it builds inputs, runs an op through
// env.op and returns the outputs to compare.
type check struct {
	name  string
	dt    backend.DType
	shape string
	tol   *tol // nil: tolFor(dt)
	body  func(e *env) (outs []tv, fallback bool)
}

// sizes are the problem sizes of the battery.
type sizes struct {
	n                  int // elementwise length
	rows, cols         int // reductions, softmax, norms
	bt, m, k, nn       int // matmul
	vocab, dim, tokens int // embedding
	img                int // conv and pool image side
}

func batterySizes(quick bool) sizes {
	if quick {
		return sizes{n: 300, rows: 6, cols: 40, bt: 2, m: 5, k: 7, nn: 6, vocab: 20, dim: 8, tokens: 12, img: 6}
	}
	return sizes{n: 1 << 22, rows: 2048, cols: 1000, bt: 4, m: 384, k: 512, nn: 640, vocab: 50257, dim: 768, tokens: 2048, img: 32}
}

func battery(s sizes) []check {
	var cs []check
	un := func(op backend.UnaryOp, lo, hi, a, b float64) func(dt backend.DType) check {
		return func(dt backend.DType) check {
			return check{name: "unary " + op.String(), dt: dt, shape: fmt.Sprint([]int{s.n}), body: func(e *env) ([]tv, bool) {
				x, y := e.rand(dt, lo, hi, s.n), e.full(dt, 0, s.n)
				return []tv{y}, e.op([]tv{y}, []tv{x}, func(be backend.Backend, o, i []backend.View) { be.Unary(op, o[0], i[0], a, b) })
			}}
		}
	}
	for _, dt := range []backend.DType{backend.Float32, backend.BFloat16} {
		for _, mk := range []func(backend.DType) check{
			un(backend.Exp, -5, 5, 0, 0), un(backend.Log, 0.01, 10, 0, 0), un(backend.Tanh, -4, 4, 0, 0),
			un(backend.Gelu, -4, 4, 0, 0), un(backend.Sigmoid, -8, 8, 0, 0), un(backend.Relu, -1, 1, 0, 0),
			un(backend.MulScalar, -1, 1, 0.125, 0),
		} {
			cs = append(cs, mk(dt))
		}
	}
	for _, dt := range []backend.DType{backend.Float32, backend.BFloat16, backend.Float16} {
		for _, op := range []backend.BinaryOp{backend.Add, backend.Mul, backend.Div, backend.Maximum, backend.Lt} {
			cs = append(cs, check{name: "binary " + op.String() + " (broadcast row)", dt: dt, shape: fmt.Sprint([]int{s.rows, s.cols}),
				body: func(e *env) ([]tv, bool) {
					x := e.rand(dt, 0.5, 2, s.rows, s.cols)
					row := e.rand(dt, 0.5, 2, s.cols)
					b := tv{backend.View{Buf: row.g.Buf, Shape: []int{s.rows, s.cols}, Strides: []int{0, 1}},
						backend.View{Buf: row.c.Buf, Shape: []int{s.rows, s.cols}, Strides: []int{0, 1}}}
					od := dt
					if op.IsComparison() {
						od = backend.Bool
					}
					y := e.full(od, 0, s.rows, s.cols)
					return []tv{y}, e.op([]tv{y}, []tv{x, b}, func(be backend.Backend, o, i []backend.View) { be.Binary(op, o[0], i[0], i[1]) })
				}})
		}
	}
	for _, c := range []struct{ from, to backend.DType }{{backend.Float32, backend.BFloat16}, {backend.BFloat16, backend.Float32},
		{backend.Int64, backend.Float32}, {backend.Float32, backend.Int32}, {backend.Float16, backend.Float64}} {
		cs = append(cs, check{name: "copy transposed " + c.from.String() + "->" + c.to.String(), dt: c.to, shape: fmt.Sprint([]int{s.cols, s.rows}),
			tol: &tol{}, body: func(e *env) ([]tv, bool) {
				x := transposed(e.rand(c.from, -100, 100, s.rows, s.cols))
				y := e.full(c.to, 0, s.cols, s.rows)
				return []tv{y}, e.op([]tv{y}, []tv{x}, func(be backend.Backend, o, i []backend.View) { be.Copy(o[0], i[0]) })
			}})
	}
	for _, dt := range []backend.DType{backend.Float32, backend.BFloat16} {
		for _, r := range []struct {
			op   backend.ReduceOp
			axes []int
		}{{backend.Sum, []int{1}}, {backend.Sum, []int{0}}, {backend.Max, []int{1}}, {backend.Sum, []int{0, 1}}} {
			cs = append(cs, check{name: fmt.Sprintf("reduce %v over %v", reduceName(r.op), r.axes), dt: dt, shape: fmt.Sprint([]int{s.rows, s.cols}),
				tol: reduceTol(dt), body: func(e *env) ([]tv, bool) {
					x := e.rand(dt, -1, 1, s.rows, s.cols)
					shape := []int{s.rows, s.cols}
					for _, a := range r.axes {
						shape[a] = 1
					}
					y := e.full(dt, 0, shape...)
					return []tv{y}, e.op([]tv{y}, []tv{x}, func(be backend.Backend, o, i []backend.View) { be.Reduce(r.op, o[0], i[0], r.axes) })
				}})
		}
		cs = append(cs, check{name: "argmax last axis", dt: backend.Int64, shape: fmt.Sprint([]int{s.rows, s.cols}), body: func(e *env) ([]tv, bool) {
			x := e.rand(dt, -1, 1, s.rows, s.cols)
			y := e.full(backend.Int64, 0, s.rows, 1)
			return []tv{y}, e.op([]tv{y}, []tv{x}, func(be backend.Backend, o, i []backend.View) { be.ArgReduce(backend.ArgMax, o[0], i[0], 1) })
		}})
		for _, log := range []bool{false, true} {
			name := "softmax"
			if log {
				name = "log_softmax"
			}
			cs = append(cs, check{name: name + " fwd+bwd", dt: dt, shape: fmt.Sprint([]int{s.rows, s.cols}), body: func(e *env) ([]tv, bool) {
				x, dy := e.rand(dt, -4, 4, s.rows, s.cols), e.rand(dt, -1, 1, s.rows, s.cols)
				y, dx := e.full(dt, 0, s.rows, s.cols), e.full(dt, 0, s.rows, s.cols)
				fb := e.op([]tv{y}, []tv{x}, func(be backend.Backend, o, i []backend.View) { be.Softmax(o[0], i[0], 1, log) })
				fb = e.op([]tv{dx}, []tv{y, dy}, func(be backend.Backend, o, i []backend.View) { be.SoftmaxBackward(o[0], i[0], i[1], 1, log) }) || fb
				return []tv{y, dx}, fb
			}})
		}
		cs = append(cs, check{name: "layer_norm fwd+bwd", dt: dt, shape: fmt.Sprint([]int{s.rows, s.cols}), tol: reduceTol(dt), body: func(e *env) ([]tv, bool) {
			x, w, b := e.rand(dt, -2, 2, s.rows, s.cols), e.rand(dt, 0.5, 1.5, s.cols), e.rand(dt, -1, 1, s.cols)
			y, mean, rstd := e.full(dt, 0, s.rows, s.cols), e.full(dt, 0, s.rows), e.full(dt, 0, s.rows)
			fb := e.op([]tv{y, mean, rstd}, []tv{x, w, b}, func(be backend.Backend, o, i []backend.View) {
				be.LayerNorm(o[0], o[1], o[2], i[0], i[1], i[2], 1e-5)
			})
			dy := e.rand(dt, -1, 1, s.rows, s.cols)
			dx, dw, db := e.full(dt, 0, s.rows, s.cols), e.full(dt, 0, s.cols), e.full(dt, 0, s.cols)
			fb = e.op([]tv{dx, dw, db}, []tv{dy, x, mean, rstd, w}, func(be backend.Backend, o, i []backend.View) {
				be.LayerNormBackward(o[0], o[1], o[2], i[0], i[1], i[2], i[3], i[4])
			}) || fb
			return []tv{y, dx, dw, db}, fb
		}})
	}
	for _, dt := range []backend.DType{backend.Float32, backend.BFloat16, backend.Float16, backend.Float64} {
		cs = append(cs, check{name: "matmul batched, y transposed", dt: dt, shape: fmt.Sprint([]int{s.bt, s.m, s.k, s.nn}), tol: reduceTol(dt),
			body: func(e *env) ([]tv, bool) {
				x := reshape(e.rand(dt, -1, 1, s.bt*s.m*s.k), s.bt, s.m, s.k)
				yt := e.rand(dt, -1, 1, s.bt*s.nn*s.k)
				y := tv{backend.View{Buf: yt.g.Buf, Shape: []int{s.bt, s.k, s.nn}, Strides: []int{s.k * s.nn, 1, s.k}},
					backend.View{Buf: yt.c.Buf, Shape: []int{s.bt, s.k, s.nn}, Strides: []int{s.k * s.nn, 1, s.k}}}
				d := reshape(e.full(dt, 0, s.bt*s.m*s.nn), s.bt, s.m, s.nn)
				return []tv{d}, e.op([]tv{d}, []tv{x, y}, func(be backend.Backend, o, i []backend.View) { be.Matmul(o[0], i[0], i[1], 0) })
			}})
	}
	cs = append(cs, check{name: "matmul broadcast weight, beta 1", dt: backend.Float32, shape: fmt.Sprint([]int{s.bt, s.m, s.k, s.nn}),
		tol: reduceTol(backend.Float32), body: func(e *env) ([]tv, bool) {
			x := reshape(e.rand(backend.Float32, -1, 1, s.bt*s.m*s.k), s.bt, s.m, s.k)
			w := e.rand(backend.Float32, -1, 1, s.k*s.nn)
			y := tv{backend.View{Buf: w.g.Buf, Shape: []int{s.bt, s.k, s.nn}, Strides: []int{0, s.nn, 1}},
				backend.View{Buf: w.c.Buf, Shape: []int{s.bt, s.k, s.nn}, Strides: []int{0, s.nn, 1}}}
			d := reshape(e.rand(backend.Float32, -1, 1, s.bt*s.m*s.nn), s.bt, s.m, s.nn)
			return []tv{d}, e.op([]tv{d}, []tv{x, y}, func(be backend.Backend, o, i []backend.View) { be.Matmul(o[0], i[0], i[1], 1) })
		}})
	for _, c := range []struct {
		name   string
		kind   backend.OptimKind
		states int
		h      backend.OptimHyper
	}{
		{"sgd momentum nesterov", backend.OptSGD, 1, backend.OptimHyper{LR: 0.1, Momentum: 0.9, Nesterov: true, WeightDecay: 1e-4}},
		{"adamw", backend.OptAdam, 2, backend.OptimHyper{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01, Decoupled: true, Step: 5}},
	} {
		for _, dt := range []backend.DType{backend.Float32, backend.BFloat16} {
			cs = append(cs, check{name: "optim " + c.name, dt: dt, shape: fmt.Sprint([]int{s.n}), body: func(e *env) ([]tv, bool) {
				state := []tv{e.rand(dt, -1, 1, s.n)}
				for range c.states {
					state = append(state, e.rand(dt, 0, 0.1, s.n))
				}
				g := e.rand(dt, -1, 1, s.n)
				return state, e.op(state, []tv{g}, func(be backend.Backend, o, i []backend.View) { be.OptimStep(c.kind, o[0], i[0], o[1:], c.h) })
			}})
		}
	}
	for _, c := range []struct {
		dt   backend.DType
		dist backend.Dist
		a, b float64
	}{{backend.Float32, backend.Uniform, 0, 1}, {backend.Float32, backend.Bernoulli, 0.1, 0}, {backend.BFloat16, backend.Bernoulli, 0.5, 0},
		{backend.Float32, backend.Normal, 0, 1}, {backend.Int64, backend.RandInt, 0, 1000}} {
		cs = append(cs, check{name: fmt.Sprintf("random %s(%v, %v) bit-exact", distName(c.dist), c.a, c.b), dt: c.dt, shape: fmt.Sprint([]int{s.n}),
			tol: &tol{}, body: func(e *env) ([]tv, bool) {
				y := e.full(c.dt, 0, s.n)
				return []tv{y}, e.op([]tv{y}, nil, func(be backend.Backend, o, _ []backend.View) { be.Random(o[0], c.dist, 1234, 99, c.a, c.b) })
			}})
	}
	for _, dt := range []backend.DType{backend.Float32, backend.BFloat16} {
		cs = append(cs, check{name: "embedding (index_select + index_add)", dt: dt, shape: fmt.Sprint([]int{s.vocab, s.dim, s.tokens}), tol: reduceTol(dt),
			body: func(e *env) ([]tv, bool) {
				w := e.rand(dt, -1, 1, s.vocab, s.dim)
				idx := e.rand(backend.Int64, 0, float64(s.vocab), s.tokens)
				out := e.full(dt, 0, s.tokens, s.dim)
				fb := e.op([]tv{out}, []tv{w, idx}, func(be backend.Backend, o, i []backend.View) { be.IndexSelect(o[0], i[0], 0, i[1]) })
				grad := e.full(dt, 0, s.vocab, s.dim)
				fb = e.op([]tv{grad}, []tv{idx, out}, func(be backend.Backend, o, i []backend.View) { be.IndexAdd(o[0], 0, i[0], i[1]) }) || fb
				return []tv{out, grad}, fb
			}})
	}
	conv := backend.ConvParams{StrideH: 1, StrideW: 1, PadH: 1, PadW: 1, DilationH: 1, DilationW: 1, Groups: 1}
	cs = append(cs, check{name: "conv2d 3x3 fwd+bwd", dt: backend.Float32, shape: fmt.Sprint([]int{8, 16, s.img, s.img}), tol: reduceTol(backend.Float32),
		body: func(e *env) ([]tv, bool) {
			x := reshape(e.rand(backend.Float32, -1, 1, 8*16*s.img*s.img), 8, 16, s.img, s.img)
			w := reshape(e.rand(backend.Float32, -1, 1, 32*16*9), 32, 16, 3, 3)
			y := reshape(e.full(backend.Float32, 0, 8*32*s.img*s.img), 8, 32, s.img, s.img)
			fb := e.op([]tv{y}, []tv{x, w}, func(be backend.Backend, o, i []backend.View) { be.Conv2d(o[0], i[0], i[1], conv) })
			dx, dw := reshape(e.full(backend.Float32, 0, 8*16*s.img*s.img), 8, 16, s.img, s.img), reshape(e.full(backend.Float32, 0, 32*16*9), 32, 16, 3, 3)
			fb = e.op([]tv{dx, dw}, []tv{y, x, w}, func(be backend.Backend, o, i []backend.View) {
				be.Conv2dBackwardData(o[0], i[0], i[2], conv)
				be.Conv2dBackwardFilter(o[1], i[1], i[0], conv)
			}) || fb
			return []tv{y, dx, dw}, fb
		}})
	cs = append(cs, check{name: "max_pool2d 2x2", dt: backend.Float32, shape: fmt.Sprint([]int{8, 16, s.img, s.img}), tol: &tol{},
		body: func(e *env) ([]tv, bool) {
			x := reshape(e.rand(backend.Float32, -1, 1, 8*16*s.img*s.img), 8, 16, s.img, s.img)
			h := s.img / 2
			y, idx := reshape(e.full(backend.Float32, 0, 8*16*h*h), 8, 16, h, h), reshape(e.full(backend.Int64, 0, 8*16*h*h), 8, 16, h, h)
			p := backend.PoolParams{KernelH: 2, KernelW: 2, StrideH: 2, StrideW: 2, DilationH: 1, DilationW: 1}
			return []tv{y, idx}, e.op([]tv{y, idx}, []tv{x}, func(be backend.Backend, o, i []backend.View) { be.MaxPool2d(o[0], o[1], i[0], p) })
		}})
	cs = append(cs, check{name: "where, gather, scatter_add, cumsum, sort", dt: backend.Float32, shape: fmt.Sprint([]int{s.rows, s.cols}),
		tol: reduceTol(backend.Float32), body: func(e *env) ([]tv, bool) {
			x, y := e.rand(backend.Float32, -1, 1, s.rows, s.cols), e.rand(backend.Float32, -1, 1, s.rows, s.cols)
			cond := e.rand(backend.Bool, 0, 2, s.rows, s.cols)
			idx := e.rand(backend.Int64, 0, float64(s.cols), s.rows, s.cols)
			wv, gv, sv := e.full(backend.Float32, 0, s.rows, s.cols), e.full(backend.Float32, 0, s.rows, s.cols), e.full(backend.Float32, 0, s.rows, s.cols)
			cv, sorted, perm := e.full(backend.Float32, 0, s.rows, s.cols), e.full(backend.Float32, 0, s.rows, s.cols), e.full(backend.Int64, 0, s.rows, s.cols)
			fb := e.op([]tv{wv, gv, sv, cv, sorted, perm}, []tv{cond, x, y, idx}, func(be backend.Backend, o, i []backend.View) {
				be.Where(o[0], i[0], i[1], i[2])
				be.Gather(o[1], i[1], 1, i[3])
				be.Scatter(o[2], 1, i[3], i[2], true)
				be.Cumulative(backend.CumSum, o[3], i[1], 1)
				be.Sort(o[4], o[5], i[1], 1, false)
			})
			return []tv{wv, gv, sv, cv, sorted, perm}, fb
		}})
	return cs
}

// reduceTol is the tolerance of sums of many products: the GPU and the CPU
// add in different orders (and the CPU in float64).
func reduceTol(d backend.DType) *tol {
	switch d {
	case backend.Float32:
		return &tol{1e-3, 1e-4}
	case backend.Float64:
		return &tol{1e-9, 1e-10}
	case backend.Float16:
		return &tol{1e-2, 1e-2}
	}
	return &tol{5e-2, 5e-2}
}

func reduceName(op backend.ReduceOp) string {
	return [...]string{"sum", "prod", "max", "min", "all", "any"}[op]
}

func distName(d backend.Dist) string {
	return [...]string{"uniform", "normal", "bernoulli", "randint"}[d]
}

// runChecks runs the battery, prints the table and returns the number of
// failed checks. A check that panics (an *cuda.OpError, say) fails.
func runChecks(w io.Writer, g *cuda.Backend, quick bool) int {
	e := &env{g: g, c: cpu.New(), rng: rand.New(rand.NewPCG(7, 11))}
	fmt.Fprintf(w, "%-42s %-9s %-22s %-5s %11s %8s  %s\n", "op", "dtype", "shape", "path", "max |diff|", "err/tol", "result")
	fmt.Fprintln(w, strings.Repeat("-", 112))
	failed := 0
	for _, c := range battery(batterySizes(quick)) {
		ok, line := runCheck(e, c)
		if !ok {
			failed++
		}
		fmt.Fprintln(w, line)
	}
	return failed
}

func runCheck(e *env, c check) (ok bool, line string) {
	defer func() {
		if r := recover(); r != nil {
			ok, line = false, fmt.Sprintf("%-42s %-9v %-22s %-5s %11s %8s  FAIL: panic: %v", c.name, c.dt, c.shape, "?", "", "", r)
		}
	}()
	outs, fb := c.body(e)
	tl := tolFor(c.dt)
	if c.tol != nil {
		tl = *c.tol
	}
	worst, maxAbs, msg := 0.0, 0.0, ""
	for _, o := range outs {
		dt := o.g.DType()
		t := tl
		if !dt.IsFloat() {
			t = tol{}
		}
		r, a, m := diff(read(e.g, o.g), read(e.c, o.c), t)
		if r > worst {
			worst = r
			if msg == "" {
				msg = m
			}
		}
		maxAbs = max(maxAbs, a)
	}
	path := "gpu"
	if fb {
		path = "host"
	}
	result := "ok"
	if worst > 1 {
		result = "FAIL: " + msg
	}
	return worst <= 1, fmt.Sprintf("%-42s %-9v %-22s %-5s %11.3g %8.3g  %s", c.name, c.dt, c.shape, path, maxAbs, worst, result)
}
