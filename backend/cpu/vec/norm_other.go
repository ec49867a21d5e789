//go:build !amd64 || purego

package vec

func layerNormRowAsm(y, x, w, b []float32, eps float64) (mean, rstd float32) {
	return layerNormRowGo(y, x, w, b, eps)
}

func layerNormBackwardRowAsm(dx, dw, db, dy, x, w []float32, mean, rstd float32) {
	layerNormBackwardRowGo(dx, dw, db, dy, x, w, mean, rstd)
}
