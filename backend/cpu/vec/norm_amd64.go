//go:build amd64 && !purego

package vec

// layerNormRowAsm and layerNormBackwardRowAsm need a length that is a
// positive multiple of 8 and every slice at least that long.

//go:noescape
func layerNormRowAsm(y, x, w, b []float32, eps float64) (mean, rstd float32)

//go:noescape
func layerNormBackwardRowAsm(dx, dw, db, dy, x, w []float32, mean, rstd float32)
