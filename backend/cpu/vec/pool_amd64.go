//go:build amd64 && !purego

package vec

// maxPool2Asm is MaxPool2 for any length (the last block is masked).
//
//go:noescape
func maxPool2Asm(dst []float32, idx []int64, r0, r1 []float32, base, w int64)
