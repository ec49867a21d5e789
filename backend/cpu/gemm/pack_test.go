package gemm

import (
	"fmt"
	"testing"
)

// TestPackLines checks the interleaving of 16 and 6 (float32, assembly and
// Go) and 8 (float64) contiguous lines against the definition, at k lengths
// around the 8-step blocks of the assembly.
func TestPackLines(t *testing.T) {
	for _, asm := range []bool{true, false} {
		for _, kc := range []int{1, 7, 8, 9, 16, 33, 256, 257} {
			for _, extra := range []int{0, 5} {
				ls := kc + extra
				t.Run(fmt.Sprintf("asm=%v/kc=%d/ls=%d", asm, kc, ls), func(t *testing.T) {
					defer func(old bool) { useAsmPack = old }(useAsmPack)
					useAsmPack = asm
					src := randSlice[float32](15*ls+kc, uint64(kc))
					dst := make([]float32, 16*kc+3)
					dst[16*kc] = 42 // past the panel: must stay
					packPanel(dst, src, ls, 1, 16, 16, kc)
					for p := range kc {
						for r := range 16 {
							if got, want := dst[p*16+r], src[r*ls+p]; got != want {
								t.Fatalf("dst[%d*16+%d] = %v, want src[%d] = %v", p, r, got, r*ls+p, want)
							}
						}
					}
					if dst[16*kc] != 42 {
						t.Fatal("wrote past the panel")
					}
					dst6 := make([]float32, 6*kc+1)
					dst6[6*kc] = 42
					packPanel(dst6, src, ls, 1, 6, 6, kc)
					for p := range kc {
						for r := range 6 {
							if got, want := dst6[p*6+r], src[r*ls+p]; got != want {
								t.Fatalf("six lines: dst[%d*6+%d] = %v, want src[%d] = %v", p, r, got, r*ls+p, want)
							}
						}
					}
					if dst6[6*kc] != 42 {
						t.Fatal("six lines: wrote past the panel")
					}
					s64 := randSlice[float64](7*ls+kc, uint64(kc))
					d64 := make([]float64, 8*kc)
					packPanel(d64, s64, ls, 1, 8, 8, kc)
					for p := range kc {
						for r := range 8 {
							if got, want := d64[p*8+r], s64[r*ls+p]; got != want {
								t.Fatalf("float64: dst[%d*8+%d] = %v, want %v", p, r, got, want)
							}
						}
					}
				})
			}
		}
	}
}

// TestPackPanelSteps checks the per-step copies of panels whose lines are
// adjacent (ls == 1): six-wide A panels, one-cache-line B panels, others.
func TestPackPanelSteps(t *testing.T) {
	for _, w := range []int{6, 16, 8, 4} {
		for _, kc := range []int{1, 5, 64} {
			ps := w + 3
			src := randSlice[float32](ps*kc, uint64(w*kc))
			dst := make([]float32, w*kc+1)
			dst[w*kc] = 42
			packPanel(dst, src, 1, ps, w, w, kc)
			for p := range kc {
				for r := range w {
					if dst[p*w+r] != src[p*ps+r] {
						t.Fatalf("w=%d kc=%d: dst[%d] = %v, want %v", w, kc, p*w+r, dst[p*w+r], src[p*ps+r])
					}
				}
			}
			if dst[w*kc] != 42 {
				t.Fatalf("w=%d kc=%d: wrote past the panel", w, kc)
			}
		}
	}
}

// BenchmarkPackA packs a row-major float32 A block (144 rows, depth 256),
// the blocked path's copy of A, with the assembly and in Go.
func BenchmarkPackA(b *testing.B) {
	const mc, kc, lda = 144, 256, 1024
	a := randSlice[float32](mc*lda, 1)
	dst := make([]float32, mc*kc)
	for _, asm := range []bool{true, false} {
		b.Run(fmt.Sprint("asm=", asm), func(b *testing.B) {
			defer func(old bool) { useAsmPack = old }(useAsmPack)
			useAsmPack = asm
			for b.Loop() {
				packA(dst, a, lda, 1, mc, kc, 6)
			}
			b.SetBytes(mc * kc * 4)
		})
	}
}

func BenchmarkPackTransposedB(b *testing.B) {
	const k, n = 784, 512
	w := randSlice[float32](k*n, 1) // W [n, k] row-major: B = Wᵀ has rsb=1, csb=k
	dst := make([]float32, 256*512)
	for b.Loop() {
		packBPanels(dst, w, 1, k, 256, n, 16, 0, n/16)
	}
}

// TestPackBRowsAsm checks the AVX2 row packing of B panels against the Go
// loop: panel ranges starting past 0, partial last panels, odd depths.
func TestPackBRowsAsm(t *testing.T) {
	for _, c := range []struct{ kc, nc, lo, hi, extra int }{
		{1, 16, 0, 1, 0}, {7, 50, 0, 4, 3}, {256, 128, 2, 8, 0}, {33, 300, 5, 19, 7}, {5, 15, 0, 1, 1},
	} {
		rsb := c.nc + c.extra
		b := randSlice[float32](c.kc*rsb, uint64(c.kc+c.nc))
		want := make([]float32, c.hi*16*c.kc)
		got := make([]float32, len(want))
		func() {
			defer func(old bool) { useAsmPack = old }(useAsmPack)
			useAsmPack = false
			packBRows(want, b, rsb, c.kc, c.nc, 16, c.lo, c.hi)
		}()
		packBRows(got, b, rsb, c.kc, c.nc, 16, c.lo, c.hi)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%+v: element %d = %v, want %v", c, i, got[i], want[i])
			}
		}
	}
}
