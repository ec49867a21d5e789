//go:build amd64 && !purego

package vec

//go:noescape
func maxPool2Asm(dst []float32, which []int32, r0, r1 []float32)
