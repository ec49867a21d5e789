package cpu

import "testing"

// TestShiftBlock checks shiftBlock against its definition for shifts of
// both signs, including the multi-element edges of wide kernels.
func TestShiftBlock(t *testing.T) {
	const w, rows = 7, 5
	src := make([]float32, w*rows)
	for i := range src {
		src[i] = float32(i + 1)
	}
	for s := -3; s <= 3; s++ {
		dst := make([]float32, w*rows)
		for i := range dst {
			dst[i] = -1 // every element must be written
		}
		shiftBlock(dst, src, w, s)
		for r := range rows {
			for x := range w {
				want := float32(0)
				if x+s >= 0 && x+s < w {
					want = src[r*w+x+s]
				}
				if got := dst[r*w+x]; got != want {
					t.Fatalf("s=%d: dst[%d][%d] = %v, want %v", s, r, x, got, want)
				}
			}
		}
	}
	shiftBlock(nil, src, w, 1) // empty: nothing to do
}
