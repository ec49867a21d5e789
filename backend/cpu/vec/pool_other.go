//go:build !amd64 || purego

package vec

func maxPool2Asm(dst []float32, which []int32, r0, r1 []float32) { maxPool2Go(dst, which, r0, r1) }
