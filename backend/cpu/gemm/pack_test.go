package gemm

import (
	"fmt"
	"testing"
)

// TestPackLines checks the interleaving of 16, 14 and 6 (float32, assembly
// and Go) and 14, 8 and 6 (float64) contiguous lines against the definition, at k lengths
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
					checkPackLines(t, src, 16, ls, kc)
					checkPackLines(t, src, 6, ls, kc)
					checkPackLines(t, src, 14, ls, kc)
					checkPackLines(t, randSlice[float64](15*ls+kc, uint64(kc)), 14, ls, kc)
					checkPackLines(t, randSlice[float64](5*ls+kc, uint64(kc)), 6, ls, kc)
					checkPackLines(t, randSlice[float64](7*ls+kc, uint64(kc)), 8, ls, kc)
				})
			}
		}
	}
}

// checkPackLines packs `lines` lines of src, ls apart, kc steps long, and
// checks the panel against the definition and that nothing past it changed.
func checkPackLines[T float](t *testing.T, src []T, lines, ls, kc int) {
	t.Helper()
	dst := make([]T, lines*kc+1)
	dst[lines*kc] = 42 // past the panel: must stay
	packPanel(dst, src, ls, 1, lines, lines, kc)
	for p := range kc {
		for r := range lines {
			if got, want := dst[p*lines+r], src[r*ls+p]; got != want {
				t.Fatalf("%d lines: dst[%d*%d+%d] = %v, want src[%d] = %v", lines, p, lines, r, got, r*ls+p, want)
			}
		}
	}
	if dst[lines*kc] != 42 {
		t.Fatalf("%d lines: wrote past the panel", lines)
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

// BenchmarkPackA packs a row-major float32 A block (about 140 rows, depth
// 256), the blocked path's copy of A, in panels of 6 rows (the AVX2
// kernel's) and 14 (the AVX-512 kernel's), and a float64 block, with the
// assembly and in Go.
func BenchmarkPackA(b *testing.B) {
	const kc, lda = 256, 1024
	for _, mr := range []int{6, 14} {
		mc := 140 / mr * mr
		a := randSlice[float32](mc*lda, 1)
		dst := make([]float32, mc*kc)
		for _, asm := range []bool{true, false} {
			b.Run(fmt.Sprintf("mr=%d/asm=%v", mr, asm), func(b *testing.B) {
				defer func(old bool) { useAsmPack = old }(useAsmPack)
				useAsmPack = asm
				for b.Loop() {
					packA(dst, a, lda, 1, mc, kc, mr)
				}
				b.SetBytes(int64(mc * kc * 4))
			})
		}
	}
	a := randSlice[float64](72*lda, 1) // the float64 kernel's A block: 72 rows
	dst := make([]float64, 72*kc)
	for _, asm := range []bool{true, false} {
		b.Run(fmt.Sprintf("float64/asm=%v", asm), func(b *testing.B) {
			defer func(old bool) { useAsmPack = old }(useAsmPack)
			useAsmPack = asm
			for b.Loop() {
				packA(dst, a, lda, 1, 72, kc, 6)
			}
			b.SetBytes(72 * kc * 8)
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
