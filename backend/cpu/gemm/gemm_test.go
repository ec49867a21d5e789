package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/emberdl/ember/internal/parallel"
)

type gemmFunc[T float] func(m, n, k int, alpha T, a []T, rsa, csa int, b []T, rsb, csb int, beta T, c []T, rsc, csc int)

// product is one test product: sizes, scalars and the storage of each operand.
type product struct {
	m, n, k     int
	alpha, beta float64
	la, lb, lc  string
}

func (p product) String() string {
	return fmt.Sprintf("%dx%dx%d/a=%g,b=%g/%s,%s,%s", p.m, p.n, p.k, p.alpha, p.beta, p.la, p.lb, p.lc)
}

// runProduct computes p with f and checks it against the float64 reference.
// With beta == 0, C starts as NaN everywhere, which must not leak.
func runProduct[T float](f gemmFunc[T], p product, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, uint64(p.m*1000003+p.n*1009+p.k)))
	la, lb, lc := makeLayout(p.la, p.m, p.k), makeLayout(p.lb, p.k, p.n), makeLayout(p.lc, p.m, p.n)
	a := fill[T](r, la, T(math.NaN())) // padding of A and B must never be read
	b := fill[T](r, lb, T(math.NaN()))
	pad := T(-7.25)
	c := fill[T](r, lc, pad)
	if p.beta == 0 {
		for i := 0; i < p.m; i++ {
			for j := 0; j < p.n; j++ {
				c[lc.at(i, j)] = T(math.NaN())
			}
		}
	}
	want, mag := refProduct(p.m, p.n, p.k, p.alpha, a, la, b, lb, p.beta, c, lc)
	f(p.m, p.n, p.k, T(p.alpha), a[la.off:], la.rs, la.cs, b[lb.off:], lb.rs, lb.cs, T(p.beta), c[lc.off:], lc.rs, lc.cs)
	return compareC(c, lc, want, mag, p.k, pad)
}

// oddSizes are the sizes combined in every way in TestGemmSmallSizes.
var oddSizes = []int{1, 2, 7, 15, 16, 17, 33}

// largerShapes cross block boundaries (mc, kc, nc) and edge tiles.
var largerShapes = [][3]int{
	{63, 63, 63}, {257, 257, 257}, {1, 1000, 3}, {300, 1, 5}, {257, 1, 257}, {1, 257, 300},
	{145, 70, 513}, {300, 33, 17}, {7, 4100, 5}, {128, 10, 512}, {64, 200, 300},
	{150, 290, 260}, {150, 4100, 20}, {100, 2100, 30}, {0, 5, 5}, {5, 0, 5}, {5, 5, 0},
}

func TestGemmSmallSizes(t *testing.T) {
	for _, kc := range kernelCases() {
		withKernels(t, kc, func(t *testing.T) {
			for _, m := range oddSizes {
				for _, n := range oddSizes {
					for _, k := range oddSizes {
						// Rotate through layouts so all combinations appear.
						i := m + 3*n + 7*k
						p := product{m, n, k, 1, 0, layoutKinds[i%4], layoutKinds[(i/4)%4], layoutKinds[(i/16)%4]}
						if err := runProduct(Sgemm, p, 1); err != nil {
							t.Fatalf("Sgemm %v: %v", p, err)
						}
						p.alpha, p.beta = -0.5, 0.75
						if err := runProduct(Dgemm, p, 2); err != nil {
							t.Fatalf("Dgemm %v: %v", p, err)
						}
					}
				}
			}
		})
	}
}

func TestGemmLayoutsAndScalars(t *testing.T) {
	scalars := [][2]float64{{1, 0}, {2.5, 0}, {1, 1}, {-0.5, 0.75}, {0, 2}, {0, 0}}
	for _, kc := range kernelCases() {
		withKernels(t, kc, func(t *testing.T) {
			for _, la := range layoutKinds {
				for _, lb := range layoutKinds {
					for _, lc := range layoutKinds {
						for si, s := range scalars {
							p := product{17 + si, 33, 19, s[0], s[1], la, lb, lc}
							if err := runProduct(Sgemm, p, 3); err != nil {
								t.Fatalf("Sgemm %v: %v", p, err)
							}
							if err := runProduct(Dgemm, p, 4); err != nil {
								t.Fatalf("Dgemm %v: %v", p, err)
							}
						}
					}
				}
			}
		})
	}
}

func TestGemmLargerShapes(t *testing.T) {
	for _, kc := range sweepKernelCases() {
		withKernels(t, kc, func(t *testing.T) {
			for _, workers := range []int{1, 2, 3} {
				if (raceEnabled || strings.HasPrefix(kc.name, "go") && len(kernelCases()) > 2) && workers != 2 {
					continue // the pure-Go twin is slow: one worker setting is enough
				}
				old := parallel.SetWorkers(workers)
				for i, s := range largerShapes {
					p := product{s[0], s[1], s[2], 1.5, 0, layoutKinds[i%4], layoutKinds[(i+1)%4], "row"}
					if i%3 == 1 {
						p.beta, p.lc = -1, "col"
					}
					if err := runProduct(Sgemm, p, 5); err != nil {
						t.Fatalf("workers=%d Sgemm %v: %v", workers, p, err)
					}
					if err := runProduct(Dgemm, p, 6); err != nil {
						t.Fatalf("workers=%d Dgemm %v: %v", workers, p, err)
					}
				}
				parallel.SetWorkers(old)
			}
		})
	}
}

// TestSgemmSerial: the single-goroutine entry computes the same products,
// large ones included (which Sgemm would split), from inside pool tasks.
func TestSgemmSerial(t *testing.T) {
	errs := make([]error, len(largerShapes))
	parallel.Do(len(largerShapes), func(i int) {
		s := largerShapes[i]
		p := product{s[0], s[1], s[2], -0.5, 0.25, layoutKinds[i%4], layoutKinds[(i+2)%4], "row"}
		errs[i] = runProduct(SgemmSerial, p, 9)
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("SgemmSerial %v: %v", largerShapes[i], err)
		}
	}
}

// TestGemmParallelModes covers both ways a block is split across workers:
// by rows of C (tall products) and by columns when A fits one block.
func TestGemmParallelModes(t *testing.T) {
	old := parallel.SetWorkers(2)
	defer parallel.SetWorkers(old)
	defer func(w int) { parallelMinWork = w }(parallelMinWork)
	parallelMinWork = 1 << 16
	shapes := []product{
		{400, 200, 300, 1, 0, "row", "row", "row"},    // rows, several mc blocks
		{64, 1000, 40, 1, 0.5, "col", "row", "row"},   // columns, A shared
		{30, 3000, 20, -1, 0, "row", "col", "rowgap"}, // columns with strided C
		{1000, 64, 40, 2, 0, "row", "row", "col"},     // transposed into columns
		{100, 300, 3000, 1, 0.5, "col", "row", "row"}, // columns with a large A: one task per worker
	}
	for _, kc := range sweepKernelCases() {
		withKernels(t, kc, func(t *testing.T) {
			for _, p := range shapes {
				if err := runProduct(Sgemm, p, 7); err != nil {
					t.Fatalf("Sgemm %v: %v", p, err)
				}
				if err := runProduct(Dgemm, p, 8); err != nil {
					t.Fatalf("Dgemm %v: %v", p, err)
				}
			}
		})
	}
}

// TestBatched checks every product of a batch, with broadcast (stride 0) A or
// B and C laid out with the batch in the middle ([m, batch, n]).
func TestBatched(t *testing.T) {
	type bcase struct {
		batch, m, n, k int
		bcastA, bcastB bool
		workers        int
	}
	cases := []bcase{
		{3, 7, 17, 5, false, false, 1},
		{4, 16, 33, 9, true, false, 2},
		{5, 6, 16, 20, false, true, 2},
		{64, 40, 40, 32, false, false, 2},  // small products run side by side
		{2, 130, 150, 120, true, false, 2}, // large ones each use the pool
		{1, 9, 9, 9, false, false, 2},
		{0, 9, 9, 9, false, false, 2},
	}
	for _, kc := range kernelCases() {
		withKernels(t, kc, func(t *testing.T) {
			for _, bc := range cases {
				old := parallel.SetWorkers(bc.workers)
				name := fmt.Sprintf("%+v", bc)
				if err := checkBatched[float32](SgemmBatched, bc.batch, bc.m, bc.n, bc.k, bc.bcastA, bc.bcastB); err != nil {
					t.Errorf("SgemmBatched %s: %v", name, err)
				}
				if err := checkBatched[float64](DgemmBatched, bc.batch, bc.m, bc.n, bc.k, bc.bcastA, bc.bcastB); err != nil {
					t.Errorf("DgemmBatched %s: %v", name, err)
				}
				parallel.SetWorkers(old)
			}
		})
	}
}

type batchedFunc[T float] func(batch, m, n, k int, alpha T, a []T, sa, rsa, csa int, b []T, sb, rsb, csb int, beta T, c []T, sc, rsc, csc int)

func checkBatched[T float](f batchedFunc[T], batch, m, n, k int, bcastA, bcastB bool) error {
	r := rand.New(rand.NewPCG(9, uint64(batch*7+m)))
	alpha, beta := 0.5, 0.0
	// A: batch of row-major m×k; B: batch of column-major k×n.
	na, nb := batch, batch
	sa, sb := m*k, k*n
	if bcastA {
		na, sa = 1, 0
	}
	if bcastB {
		nb, sb = 1, 0
	}
	a := make([]T, max(na*m*k, 1))
	b := make([]T, max(nb*k*n, 1))
	for i := range a {
		a[i] = T(2*r.Float64() - 1)
	}
	for i := range b {
		b[i] = T(2*r.Float64() - 1)
	}
	// C: [m, batch, n] so that each product's rows are batch*n apart.
	c := make([]T, m*batch*n)
	for i := range c {
		c[i] = T(math.NaN())
	}
	f(batch, m, n, k, T(alpha), a, sa, k, 1, b, sb, 1, k, T(beta), c, n, batch*n, 1)
	for q := 0; q < batch; q++ {
		la := layout{rows: m, cols: k, off: q * sa, rs: k, cs: 1}
		lb := layout{rows: k, cols: n, off: q * sb, rs: 1, cs: k}
		lc := layout{rows: m, cols: n, off: q * n, rs: batch * n, cs: 1}
		want, mag := refProduct(m, n, k, alpha, a, la, b, lb, beta, c, lc)
		tol := 2 * float64(k+4) * epsilon[T]()
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				g := float64(c[lc.at(i, j)])
				if math.IsNaN(g) || math.Abs(g-want[i*n+j]) > tol*mag[i*n+j]+1e-30 {
					return fmt.Errorf("product %d: C(%d,%d) = %v, want %v", q, i, j, g, want[i*n+j])
				}
			}
		}
	}
	return nil
}

// TestMicroKernels runs each kernel on random packed panels against the
// float64 reference, including k values around the unrolling and beta = 0
// over a NaN-filled C.
func TestMicroKernels(t *testing.T) {
	for _, kc := range kernelCases() {
		t.Run(kc.name, func(t *testing.T) {
			for _, k := range []int{0, 1, 2, 3, 4, 5, 8, 17, 256} {
				for _, sc := range [][2]float64{{1, 0}, {-2, 0}, {0.5, 1}, {1.5, -0.25}} {
					if err := checkKernel(kc.s, k, sc[0], sc[1]); err != nil {
						t.Errorf("float32 k=%d alpha=%g beta=%g: %v", k, sc[0], sc[1], err)
					}
					if err := checkKernel(kc.d, k, sc[0], sc[1]); err != nil {
						t.Errorf("float64 k=%d alpha=%g beta=%g: %v", k, sc[0], sc[1], err)
					}
				}
			}
		})
	}
}

func checkKernel[T float](ker *kernel[T], k int, alpha, beta float64) error {
	// A is read three ways: packed (1, mr), row-major in place (lda, 1) and
	// column-major in place (1, lda); B packed (rsb = nr) and in place.
	// Where A's rows are adjacent the packing variant fnPackA runs too.
	const lda, ldb = 300, 41
	for _, as := range [][2]int{{1, ker.mr}, {lda, 1}, {1, lda}} {
		for _, rsb := range []int{ker.nr, ldb} {
			for _, pack := range []bool{false, as[0] == 1} {
				if err := checkKernelStrides(ker, k, alpha, beta, as[0], as[1], rsb, pack); err != nil {
					return fmt.Errorf("A strides %v, B row stride %d, packing A %v: %w", as, rsb, pack, err)
				}
			}
		}
	}
	return nil
}

func checkKernelStrides[T float](ker *kernel[T], k int, alpha, beta float64, rsa, csa, rsb int, pack bool) error {
	r := rand.New(rand.NewPCG(uint64(k), 11))
	mr, nr := ker.mr, ker.nr
	la := layout{rows: mr, cols: k, rs: rsa, cs: csa}
	lb := layout{rows: k, cols: nr, rs: rsb, cs: 1}
	ap := make([]T, (mr-1)*rsa+max(k-1, 0)*csa+1)
	bp := make([]T, max(k-1, 0)*rsb+nr)
	for i := range ap {
		ap[i] = T(2*r.Float64() - 1)
	}
	for i := range bp {
		bp[i] = T(2*r.Float64() - 1)
	}
	const rsc = 37 // C rows apart, padding between them
	c := make([]T, (mr-1)*rsc+nr+3)
	for i := range c {
		c[i] = T(3 * r.Float64())
	}
	if beta == 0 {
		for i := 0; i < mr; i++ {
			for j := 0; j < nr; j++ {
				c[i*rsc+j] = T(math.NaN())
			}
		}
	}
	lc := layout{rows: mr, cols: nr, rs: rsc, cs: 1}
	want, mag := refProduct(mr, nr, k, alpha, ap, la, bp, lb, beta, c, lc)
	before := append([]T(nil), c...)
	if pack {
		// dst gets the panel packed, and nothing past it.
		const guard = -7
		dst := make([]T, mr*k+2*mr)
		for i := range dst {
			dst[i] = guard
		}
		dst0 := &dst[0]
		ker.fnPackA(k, &ap[0], rsa, csa, &bp[0], rsb, &c[0], rsc, T(alpha), T(beta), dst0)
		for i, v := range dst {
			want := T(guard)
			if p, r := i/mr, i%mr; p < k {
				want = ap[r*rsa+p*csa]
			}
			if v != want {
				return fmt.Errorf("packed A element %d = %v, want %v", i, v, want)
			}
		}
	} else {
		ker.fn(k, &ap[0], rsa, csa, &bp[0], rsb, &c[0], rsc, T(alpha), T(beta))
	}
	tol := 2 * float64(k+4) * epsilon[T]()
	for idx := range c {
		i, j := idx/rsc, idx%rsc
		if i < mr && j < nr {
			g := float64(c[idx])
			if math.IsNaN(g) || math.Abs(g-want[i*nr+j]) > tol*mag[i*nr+j]+1e-30 {
				return fmt.Errorf("C(%d,%d) = %v, want %v", i, j, g, want[i*nr+j])
			}
		} else if c[idx] != before[idx] {
			return fmt.Errorf("element %d outside the tile changed", idx)
		}
	}
	return nil
}

// TestKernelTwinsAgree checks that the assembly and pure-Go kernels give the
// same products (to rounding) on the same packed data.
func TestKernelTwinsAgree(t *testing.T) {
	cases := kernelCases()
	if len(cases) < 2 {
		t.Logf("only the %s kernels exist in this build; the twins are the same code", cases[0].name)
		return
	}
	p := product{61, 53, 300, 1, 0, "row", "col", "row"}
	r := rand.New(rand.NewPCG(1, 2))
	la, lb, lc := makeLayout(p.la, p.m, p.k), makeLayout(p.lb, p.k, p.n), makeLayout(p.lc, p.m, p.n)
	a, b := fill[float32](r, la, 0), fill[float32](r, lb, 0)
	var outs [2][]float32
	for i, kc := range cases[:2] {
		c := make([]float32, lc.n)
		kernelS = kc.s
		Sgemm(p.m, p.n, p.k, 1, a, la.rs, la.cs, b, lb.rs, lb.cs, 0, c, lc.rs, lc.cs)
		outs[i] = c
	}
	kernelS, _ = bestKernels()
	for i := range outs[0] {
		if d := math.Abs(float64(outs[0][i] - outs[1][i])); d > 1e-4 {
			t.Fatalf("element %d: %s gives %v, %s gives %v", i, cases[0].name, outs[0][i], cases[1].name, outs[1][i])
		}
	}
}

func TestBadArgumentsPanic(t *testing.T) {
	a, b, c := make([]float32, 6), make([]float32, 6), make([]float32, 4)
	cases := []struct {
		name, want string
		call       func()
	}{
		{"short A", "A needs more", func() { Sgemm(2, 2, 3, 1, a[:5], 3, 1, b, 2, 1, 0, c, 2, 1) }},
		{"short B", "B needs more", func() { Sgemm(2, 2, 3, 1, a, 3, 1, b[:5], 2, 1, 0, c, 2, 1) }},
		{"short C", "C needs more", func() { Sgemm(2, 2, 3, 1, a, 3, 1, b, 2, 1, 0, c[:3], 2, 1) }},
		{"negative stride", "negative stride", func() { Sgemm(2, 2, 3, 1, a, -3, 1, b, 2, 1, 0, c, 2, 1) }},
		{"negative size", "negative size", func() { Sgemm(-1, 2, 3, 1, a, 3, 1, b, 2, 1, 0, c, 2, 1) }},
		{"overlapping C", "overlap", func() { Sgemm(2, 2, 3, 1, a, 3, 1, b, 2, 1, 0, c, 1, 1) }},
		{"batch overlap", "overlap", func() {
			SgemmBatched(2, 2, 2, 3, 1, a, 0, 3, 1, b, 0, 2, 1, 0, make([]float32, 8), 2, 2, 1)
		}},
		{"huge stride", "A needs more", func() { Sgemm(2, 2, 3, 1, a, math.MaxInt/2, 3, b, 2, 1, 0, c, 2, 1) }},
		{"float64 short C", "C needs more", func() {
			Dgemm(2, 2, 3, 1, make([]float64, 6), 3, 1, make([]float64, 6), 2, 1, 0, make([]float64, 3), 2, 1)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				msg, _ := r.(string)
				if r == nil || !strings.Contains(msg, tc.want) {
					t.Fatalf("panic %v, want a message containing %q", r, tc.want)
				}
			}()
			tc.call()
		})
	}
}

// TestUnreferencedOperands checks that A and B are not touched (nor checked)
// when alpha is 0, as in BLAS, and that empty products leave C alone.
func TestUnreferencedOperands(t *testing.T) {
	c := []float32{1, 2, 3, 4}
	Sgemm(2, 2, 3, 0, nil, 3, 1, nil, 2, 1, 3, c, 2, 1)
	for i, want := range []float32{3, 6, 9, 12} {
		if c[i] != want {
			t.Fatalf("alpha=0: c[%d] = %v, want %v", i, c[i], want)
		}
	}
	Sgemm(2, 2, 0, 1, nil, 0, 1, nil, 2, 1, 0, c, 2, 1)
	for i := range c {
		if c[i] != 0 {
			t.Fatalf("k=0, beta=0: c[%d] = %v, want 0", i, c[i])
		}
	}
	Sgemm(0, 2, 3, 1, nil, 3, 1, nil, 2, 1, 0, nil, 2, 1)
	cb := []float64{1, 2, 3, 4, 5, 6, 7, 8}
	DgemmBatched(4, 1, 2, 5, 0, nil, 5, 5, 1, nil, 10, 2, 1, -1, cb, 2, 2, 1)
	for i, want := range []float64{-1, -2, -3, -4, -5, -6, -7, -8} {
		if cb[i] != want {
			t.Fatalf("batched alpha=0: c[%d] = %v, want %v", i, cb[i], want)
		}
	}
}

// TestGemmForcedPaths runs products down every path the driver can choose
// (both orientations, A and B packed or read in place, one or several B
// panels packed at a time, prefetching on and off, one or two workers) so
// none is left untested by the automatic choices.
func TestGemmForcedPaths(t *testing.T) {
	shapes := []product{
		{13, 37, 300, 1, 0, "row", "row", "row"},      // flat, several depth blocks
		{20, 50, 9, -1, 0.5, "col", "row", "col"},     // flat, A transposed, C column-major
		{200, 45, 70, 0.5, 0, "row", "rowgap", "row"}, // blocked, B gathered
		{160, 90, 260, 1, 1, "colgap", "row", "rowgap"},
		{150, 70, 40, 2, 0, "col", "row", "row"}, // blocked, A transposed
		// Edge rows: a tile reaching back over rows already stored (whose
		// second depth block must not add twice), and A shorter than a tile.
		{64, 40, 300, 1, 1, "row", "row", "row"},
		{4, 40, 300, 1, 1, "col", "row", "row"},
	}
	type setting struct{ orient, directB, chunk, packA int }
	var settings []setting
	for _, o := range []int{orientKeep, orientSwap} {
		for _, db := range []int{0, 1 << 30} {
			for _, fc := range []int{1, 3} {
				for _, pa := range []int{0, 1 << 30} {
					settings = append(settings, setting{o, db, fc, pa})
				}
			}
		}
	}
	defer func(o, b, f, p int, pf, pw bool, pm, w int) {
		orientation, directBMaxTiles, flatChunk, packAMinPanels, prefetchB, packAWhileComputing, packAFirstMinBytes, parallelMinWork = o, b, f, p, pf, pw, pm, w
	}(orientation, directBMaxTiles, flatChunk, packAMinPanels, prefetchB, packAWhileComputing, packAFirstMinBytes, parallelMinWork)
	packAFirstMinBytes = 0    // small As are packed by the first panel too
	parallelMinWork = 1 << 10 // two workers really split even these small products
	for _, kc := range sweepKernelCases() {
		withKernels(t, kc, func(t *testing.T) {
			for i, st := range settings {
				if raceEnabled && i%4 != 0 {
					continue // a quarter of the settings: every goroutine path still runs
				}
				orientation, directBMaxTiles, flatChunk, packAMinPanels = st.orient, st.directB, st.chunk, st.packA
				prefetchB = i%2 == 0
				packAWhileComputing = i%3 != 0
				for _, workers := range []int{1, 2} {
					if raceEnabled && workers == 1 {
						continue
					}
					old := parallel.SetWorkers(workers)
					for j, p := range shapes {
						if err := runProduct(Sgemm, p, uint64(j)); err != nil {
							t.Errorf("%+v workers=%d Sgemm %v: %v", st, workers, p, err)
						}
						if err := runProduct(Dgemm, p, uint64(j)); err != nil {
							t.Errorf("%+v workers=%d Dgemm %v: %v", st, workers, p, err)
						}
					}
					parallel.SetWorkers(old)
				}
			}
		})
	}
}

// TestPackAOnFirstPanel checks when A is packed by the first panel's kernel
// calls: a large A whose rows are adjacent, met by more than one panel.
func TestPackAOnFirstPanel(t *testing.T) {
	big := operands[float32]{m: 512, k: 2048, rsa: 1, csa: 512}
	cases := []struct {
		name   string
		op     operands[float32]
		panels int
		want   bool
	}{
		{"weight gradient", big, 8, true},
		{"one panel", big, 1, false},
		{"rows not adjacent", operands[float32]{m: 512, k: 2048, rsa: 2048, csa: 1}, 8, false},
		{"small A", operands[float32]{m: 128, k: 128, rsa: 1, csa: 128}, 8, false},
	}
	for _, c := range cases {
		if got := packAOnFirstPanel(&c.op, c.panels); got != c.want {
			t.Errorf("%s: packAOnFirstPanel = %v, want %v", c.name, got, c.want)
		}
	}
}
