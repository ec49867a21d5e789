//go:build !amd64 || purego

package vec

func scaledSoftmaxAsm(y []float32, n int, scale float32) (float32, float64) {
	return scaledSoftmaxGo(y, n, scale)
}

func scaledExpAsm(y []float32, n int, scale, shift float32) { scaledExpGo(y, n, scale, shift) }
