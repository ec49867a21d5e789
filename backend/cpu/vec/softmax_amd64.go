//go:build amd64 && !purego

package vec

// scaledSoftmaxAsm and scaledExpAsm need len(y) a positive multiple of 8
// and len(y)-8 < n <= len(y).

//go:noescape
func scaledSoftmaxAsm(y []float32, n int, scale float32) (max float32, sum float64)

//go:noescape
func scaledExpAsm(y []float32, n int, scale, shift float32)
