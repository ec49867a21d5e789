package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestColumnS checks ColumnS on every kernel against a float64 reference:
// depths 0, 1 and odd ones, one to several tiles, A packed (with a gap
// between panels) and read in place from a row-major matrix, beta 0 (C's
// old contents NaN, never read) and beta 1, and C rows wider than a tile
// whose other elements must be left alone.
func TestColumnS(t *testing.T) {
	for _, kc := range kernelCases() {
		withKernels(t, kc, func(t *testing.T) {
			for _, k := range []int{0, 1, 7, 33, 257} {
				for _, tiles := range []int{1, 2, 5} {
					for _, inPlace := range []bool{false, true} {
						for _, beta := range []float32{0, 1} {
							t.Run(fmt.Sprintf("k%d-t%d-inplace%v-beta%v", k, tiles, inPlace, beta), func(t *testing.T) {
								checkColumnS(t, k, tiles, inPlace, beta)
							})
						}
					}
				}
			}
		})
	}
}

func checkColumnS(t *testing.T, k, tiles int, inPlace bool, beta float32) {
	r := rand.New(rand.NewPCG(uint64(k), uint64(tiles)))
	const ldc = TileColsS + 3
	rows := tiles * TileRowsS
	// A packed: panels of k steps × TileRowsS, 5 elements apart; in place:
	// row-major rows×k with rows k+2 apart.
	rsa, csa, astep := 1, TileRowsS, k*TileRowsS+5
	if inPlace {
		rsa, csa = k+2, 1
		astep = TileRowsS * rsa
	}
	a := make([]float32, (tiles-1)*astep+(TileRowsS-1)*rsa+max(k-1, 0)*csa+1)
	for i := range a {
		a[i] = float32(2*r.Float64() - 1)
	}
	at := func(row, p int) float32 { return a[row/TileRowsS*astep+row%TileRowsS*rsa+p*csa] }
	b := make([]float32, k*TileColsS)
	for i := range b {
		b[i] = float32(2*r.Float64() - 1)
	}
	c := make([]float32, (rows-1)*ldc+TileColsS)
	c0 := make([]float32, len(c))
	for i := range c {
		c[i] = float32(math.NaN())
		if j := i % ldc; beta != 0 && j < TileColsS {
			c[i] = float32(2*r.Float64() - 1)
		}
		c0[i] = c[i]
	}
	ColumnS(k, a, rsa, csa, astep, b, beta, c, ldc, tiles)
	for row := range rows {
		for j := range TileColsS {
			var want, mag float64
			if beta != 0 {
				want = float64(beta) * float64(c0[row*ldc+j])
				mag = math.Abs(want)
			}
			for p := range k {
				x := float64(at(row, p)) * float64(b[p*TileColsS+j])
				want += x
				mag += math.Abs(x)
			}
			got := float64(c[row*ldc+j])
			if !(math.Abs(got-want) <= 1e-6*(mag+1)*float64(k+1)) {
				t.Fatalf("row %d col %d: got %v, want %v", row, j, got, want)
			}
		}
	}
	for i := range c {
		if j := i % ldc; j >= TileColsS && !math.IsNaN(float64(c[i])) {
			t.Fatalf("element %d between the tile's rows was written: %v", i, c[i])
		}
	}
}

// TestColumnSChecks checks that ColumnS rejects short operands and bad sizes
// with a message naming them.
func TestColumnSChecks(t *testing.T) {
	a, b, c := make([]float32, 2*TileRowsS), make([]float32, 2*TileColsS), make([]float32, TileRowsS*TileColsS)
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"short A", func() { ColumnS(3, a, 1, TileRowsS, 0, b, 0, c, TileColsS, 1) }, "A has"},
		{"short A in place", func() { ColumnS(2, a, 3, 1, 0, b, 0, c, TileColsS, 1) }, "A has"},
		{"short B", func() { ColumnS(2, a, 1, TileRowsS, 0, b[:5], 0, c, TileColsS, 1) }, "B has"},
		{"short C", func() { ColumnS(2, a, 1, TileRowsS, 0, b, 0, c[:20], TileColsS, 1) }, "C has"},
		{"narrow ldc", func() { ColumnS(2, a, 1, TileRowsS, 0, b, 0, c, 4, 1) }, "bad sizes"},
		{"negative k", func() { ColumnS(-1, a, 1, TileRowsS, 0, b, 0, c, TileColsS, 1) }, "bad sizes"},
		{"negative stride", func() { ColumnS(2, a, -1, TileRowsS, 0, b, 0, c, TileColsS, 1) }, "bad sizes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, tc.want) {
					t.Fatalf("panic %q, want one containing %q", msg, tc.want)
				}
			}()
			tc.f()
		})
	}
	ColumnS(2, a, 1, TileRowsS, 0, b, 0, c, TileColsS, 0) // no tiles: nothing to do, no panic
}
