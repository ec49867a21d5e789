//go:build !amd64 || purego

package vec

// lstmCellAsm is never called without assembly (blocks returns 0).
func lstmCellAsm(g, cPrev, c, tc, h []float32, m int) {
	panic("vec: lstmCellAsm without assembly")
}

// lstmCellBackwardAsm is never called without assembly (blocks returns 0).
func lstmCellBackwardAsm(dh, acts, tc, cPrev, dcf, dgates []float32, m int) {
	panic("vec: lstmCellBackwardAsm without assembly")
}
