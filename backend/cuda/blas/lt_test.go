package blas

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/backend/cuda/internal/dl"
)

// refLt computes what cuBLASLt computes from the layouts alone:
// D = op(A)·op(B) + bias[row], every matrix column-major as its layout says.
// It fails if the layouts do not fit together, as cuBLASLt would.
func refLt(cm colMajor, ls [3]layout, a, b, bias []float64) ([]float64, error) {
	opRows := func(l layout, op Operation) (int, int) {
		if op == OpT {
			return l.cols, l.rows
		}
		return l.rows, l.cols
	}
	am, ak := opRows(ls[0], cm.transa)
	bk, bn := opRows(ls[1], cm.transb)
	if am != ls[2].rows || bn != ls[2].cols || ak != bk {
		return nil, fmt.Errorf("layouts do not fit: op(A) %d×%d, op(B) %d×%d, C %d×%d", am, ak, bk, bn, ls[2].rows, ls[2].cols)
	}
	for _, l := range ls {
		if l.ld < l.rows {
			return nil, fmt.Errorf("ld %d < rows %d", l.ld, l.rows)
		}
	}
	at := func(i, l int) float64 {
		if cm.transa == OpT {
			return a[l+i*ls[0].ld]
		}
		return a[i+l*ls[0].ld]
	}
	bt := func(l, j int) float64 {
		if cm.transb == OpT {
			return b[j+l*ls[1].ld]
		}
		return b[l+j*ls[1].ld]
	}
	d := make([]float64, ls[2].ld*ls[2].cols)
	for j := 0; j < bn; j++ {
		for i := 0; i < am; i++ {
			s := bias[i]
			for l := 0; l < ak; l++ {
				s += at(i, l) * bt(l, j)
			}
			d[i+j*ls[2].ld] = s
		}
	}
	return d, nil
}

func TestLtLayoutsComputeTheRowMajorProduct(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		m, n, k, pad int
		ta, tb       bool
	}{{2, 3, 4, 0, false, false}, {2, 3, 4, 1, true, false}, {5, 2, 3, 2, false, true}, {3, 3, 1, 0, true, true}} {
		ar, ac := stored(tc.m, tc.k, tc.ta)
		br, bc := stored(tc.k, tc.n, tc.tb)
		g := Gemm{M: tc.m, N: tc.n, K: tc.k, TransA: tc.ta, TransB: tc.tb, LDA: ac + tc.pad, LDB: bc + tc.pad, LDC: tc.n + tc.pad}
		A, B, bias := randSlice(rng, ar*g.LDA), randSlice(rng, br*g.LDB), randSlice(rng, tc.n)
		cm, err := g.plan()
		if err != nil {
			t.Fatal(err)
		}
		// First operand is B's buffer, second is A's; the bias has one value
		// per row of the column-major D, which is one per column j of C.
		d, err := refLt(cm, cm.layouts(Float32, 0), B, A, bias)
		if err != nil {
			t.Fatalf("%+v: %v", tc, err)
		}
		for i := 0; i < tc.m; i++ {
			for j := 0; j < tc.n; j++ {
				want := bias[j]
				for l := 0; l < tc.k; l++ {
					var x, y float64
					if tc.ta {
						x = A[l*g.LDA+i]
					} else {
						x = A[i*g.LDA+l]
					}
					if tc.tb {
						y = B[j*g.LDB+l]
					} else {
						y = B[l*g.LDB+j]
					}
					want += x * y
				}
				if got := d[i*g.LDC+j]; math.Abs(got-want) > 1e-12 {
					t.Fatalf("%+v: C[%d][%d] = %v, want %v", tc, i, j, got, want)
				}
			}
		}
	}
}

func TestHalfBits(t *testing.T) {
	// Values from the IEEE 754 binary16 definition.
	for _, tc := range []struct {
		f    float32
		want uint16
	}{
		{0, 0x0000}, {float32(math.Copysign(0, -1)), 0x8000},
		{1, 0x3c00}, {-2, 0xc000}, {0.5, 0x3800}, {65504, 0x7bff},
		{65520, 0x7c00}, // halfway to the next power: rounds up to Inf
		{float32(math.Inf(1)), 0x7c00}, {float32(math.Inf(-1)), 0xfc00},
		{float32(math.NaN()), 0x7e00},
		{6.1035156e-05, 0x0400}, // smallest normal
		{5.9604645e-08, 0x0001}, // smallest subnormal
		{2.9802322e-08, 0x0000}, // half of it: tie to even, 0
		{1e-9, 0x0000},
		{1 + 1.0/1024, 0x3c01},
		{1 + 1.0/2048, 0x3c00}, // tie: round to even
		{1 + 3.0/2048, 0x3c02}, // tie: round to even (up)
		{0.1, 0x2e66},
		{-3.140625, 0xc248},
	} {
		if got := halfBits(tc.f); got != tc.want {
			t.Errorf("halfBits(%g) = %#04x, want %#04x", tc.f, got, tc.want)
		}
	}
}

func TestABIStructSizes(t *testing.T) {
	if got := unsafe.Sizeof(heuristicResult{}); got != 96 {
		t.Errorf("heuristicResult is %d bytes, cublasLtMatmulHeuristicResult_t is 96", got)
	}
	if got := unsafe.Offsetof(heuristicResult{}.workspaceSize); got != 64 {
		t.Errorf("workspaceSize at %d, want 64", got)
	}
}

func TestLoadReportsWhatIsMissing(t *testing.T) {
	err := Load()
	if err == nil {
		v, _ := LoadedVersion()
		cb, lt := Libraries()
		t.Logf("cuBLAS %v at %s, cuBLASLt at %s", v, cb.Path, lt.Path)
		if v.Major < 11 {
			t.Errorf("loaded cuBLAS %v", v)
		}
		if v.Major >= 12 && fns[symSetWorkspace] == 0 {
			t.Error("cuBLAS 12+ lacks cublasSetWorkspace_v2")
		}
		// Without a GPU, creating a handle must fail as an error.
		h, err := NewHandle()
		if err == nil {
			h.Destroy()
		} else {
			var be *Error
			if !errors.As(err, &be) || be.Op != "cublasCreate_v2" {
				t.Errorf("NewHandle error = %v, want a cublasCreate_v2 status", err)
			}
			t.Logf("NewHandle: %v", err)
		}
		return
	}
	// Without the libraries the error must say which one and where it
	// looked.
	var nf *dl.NotFoundError
	if !errors.As(err, &nf) || nf.Report.Library != "libcublasLt" || len(nf.Report.Attempts) == 0 {
		t.Fatalf("Load error = %v, want a libcublasLt search report", err)
	}
	if _, err := NewHandle(); !errors.Is(err, nf) {
		t.Errorf("NewHandle error = %v, want the load error", err)
	}
}

func TestAlignment(t *testing.T) {
	for p, want := range map[driver.DevicePtr]uint32{0: 256, 256: 256, 1 << 20: 256, 128: 128, 0x1002: 2, 0x1003: 1, 0x10040: 64} {
		if got := Alignment(p); got != want {
			t.Errorf("Alignment(%#x) = %d, want %d", uint64(p), got, want)
		}
	}
}
