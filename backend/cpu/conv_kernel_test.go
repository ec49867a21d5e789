package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// kernelSets returns the convolution kernel sets this machine runs: the
// pure-Go twins always, the assembly ones where the CPU has them.
func kernelSets() []convKernels {
	sets := []convKernels{goConvKernels}
	if best := bestConvKernels(); best.name != goConvKernels.name {
		sets = append(sets, best)
	}
	return sets
}

// withKernels runs f with ks as the convolution kernels.
func withKernels(t testing.TB, ks convKernels, f func()) {
	t.Helper()
	old := convKern
	convKern = ks
	defer func() { convKern = old }()
	f()
}

func randF32(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

// TestConvTileKernel checks the forward tile kernels against a float64 sum
// for tap counts around the unrolling, with scattered offsets, a bias and
// a C whose rows are wider than the tile, and the packing one's copy of
// the taps.
func TestConvTileKernel(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, ks := range kernelSets() {
		for _, k := range []int{0, 1, 2, 3, 7, 9, 33, 288} {
			t.Run(fmt.Sprintf("%s/k=%d", ks.name, k), func(t *testing.T) {
				a := randF32(r, k*convTileRows+1)
				b := randF32(r, 1000)
				off := make([]int32, k+1)
				for i := range k {
					off[i] = int32(r.IntN(1000 - convTileCols))
				}
				const ldc = 21
				c := make([]float32, (convTileRows-1)*ldc+convTileCols+3)
				for i := range c {
					c[i] = float32(math.NaN()) // overwritten, never read
				}
				bias := randF32(r, convTileRows)
				ks.tiles(k, &a[0], &b[0], &off[0], &c[0], ldc, &bias[0], 1)
				checkConvTile(t, k, a, b, off, c, ldc, bias)
				// tilePack computes the same tile and packs the taps' values.
				for i := range c {
					c[i] = float32(math.NaN())
				}
				packed := make([]float32, k*convTileCols+convTileCols)
				for i := range packed {
					packed[i] = float32(math.NaN())
				}
				ks.tilePack(k, &a[0], &b[0], &off[0], &c[0], ldc, &bias[0], &packed[0])
				checkConvTile(t, k, a, b, off, c, ldc, bias)
				for p := range k {
					for j := range convTileCols {
						if got, want := packed[p*convTileCols+j], b[int(off[p])+j]; got != want {
							t.Fatalf("packed[%d][%d] = %v, want %v", p, j, got, want)
						}
					}
				}
				for i := k * convTileCols; i < len(packed); i++ {
					if !math.IsNaN(float64(packed[i])) {
						t.Fatalf("packed[%d] past the taps was written", i)
					}
				}
			})
		}
	}
}

// checkConvTile checks one tile of the tile kernels against a float64 sum,
// and that nothing past the tile was written.
func checkConvTile(t *testing.T, k int, a, b []float32, off []int32, c []float32, ldc int, bias []float32) {
	t.Helper()
	for i := range convTileRows {
		for j := range convTileCols {
			want := float64(bias[i])
			for p := range k {
				want += float64(a[p*convTileRows+i]) * float64(b[int(off[p])+j])
			}
			if got := c[i*ldc+j]; math.Abs(float64(got)-want) > 1e-4*(1+math.Sqrt(float64(k))) {
				t.Fatalf("c[%d][%d] = %v, want %v", i, j, got, want)
			}
		}
	}
	for i := (convTileRows-1)*ldc + convTileCols; i < len(c); i++ {
		if !math.IsNaN(float64(c[i])) {
			t.Fatalf("c[%d] past the tile was written", i)
		}
	}
}

// TestConvDotKernel checks the weight-gradient kernel against a float64 sum
// for lengths around the vector width, over several images, and that
// values past the row ends (here NaN) never reach C.
func TestConvDotKernel(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, ks := range kernelSets() {
		for _, n := range []int{0, 1, 7, 8, 9, 16, 33, 196} {
			for _, nimg := range []int{1, 3} {
				t.Run(fmt.Sprintf("%s/n=%d/images=%d", ks.name, n, nimg), func(t *testing.T) {
					lda, sa := n+5, 4*(n+5)+2
					sb := 3*n + 40
					a := randF32(r, (nimg-1)*sa+3*lda+n+convDotLanes)
					b := randF32(r, (nimg-1)*sb+3*n+40+convDotLanes)
					nan := float32(math.NaN())
					for m := range nimg {
						for i := range convDotRows {
							for q := n; q < lda && m*sa+i*lda+q < len(a); q++ {
								a[m*sa+i*lda+q] = nan
							}
						}
					}
					off := [convDotCols]int32{int32(n + 3), 0, int32(2*n + 9)}
					for m := range nimg {
						for _, o := range off {
							for q := n; q < n+convDotLanes; q++ {
								b[m*sb+int(o)+q] = nan
							}
						}
					}
					const ldc = 7
					c := randF32(r, (convDotCols-1)*ldc+convDotRows)
					c0 := append([]float32(nil), c...)
					ks.dot(nimg, n, &a[0], lda, sa, &b[0], &off, sb, &c[0], ldc)
					for j := range convDotCols {
						for i := range convDotRows {
							want := float64(c0[j*ldc+i])
							for m := range nimg {
								for q := range n {
									want += float64(a[m*sa+i*lda+q]) * float64(b[m*sb+int(off[j])+q])
								}
							}
							if got := c[j*ldc+i]; math.Abs(float64(got)-want) > 1e-4*(1+math.Sqrt(float64(n*nimg))) {
								t.Fatalf("c[%d][%d] = %v, want %v", j, i, got, want)
							}
						}
					}
				})
			}
		}
	}
}

// TestConvGatherTKernel checks the transposing gather against its
// definition for block counts around the unrolling, with scattered offsets
// (repeated ones included, as the padding of the tap table repeats 0), and
// that it writes nothing past its blocks.
func TestConvGatherTKernel(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, ks := range kernelSets() {
		for _, blocks := range []int{0, 1, 2, 25} {
			t.Run(fmt.Sprintf("%s/blocks=%d", ks.name, blocks), func(t *testing.T) {
				n := convGatherBlock * blocks
				b := randF32(r, 3*n+100)
				var off [convGatherRows]int32
				for j := range off {
					off[j] = int32(r.IntN(len(b) - n + 1))
				}
				off[3], off[11] = 0, 0
				dst := make([]float32, n*convGatherRows+5)
				for i := range dst {
					dst[i] = float32(math.NaN())
				}
				if blocks > 0 {
					ks.gatherT(&dst[0], &b[0], &off, blocks)
				}
				for p := range n {
					for j, o := range off {
						if got, want := dst[p*convGatherRows+j], b[int(o)+p]; got != want {
							t.Fatalf("dst[%d][%d] = %v, want %v", p, j, got, want)
						}
					}
				}
				for i := n * convGatherRows; i < len(dst); i++ {
					if !math.IsNaN(float64(dst[i])) {
						t.Fatalf("dst[%d] past the blocks was written", i)
					}
				}
			})
		}
	}
}
