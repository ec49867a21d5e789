//go:build !amd64 || purego

package vec

func maxPool2Asm(dst []float32, idx []int64, r0, r1 []float32, base, w int64) {
	maxPool2Go(dst, idx, r0, r1, base, w)
}
