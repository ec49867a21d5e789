//go:build amd64 && !purego

package vec

// lstmCellAsm runs LSTMCellRow, less the bias, on the first m hidden units,
// m a positive multiple of 8 (see lstm_amd64.s).
//
//go:noescape
func lstmCellAsm(g, cPrev, c, tc, h []float32, m int)

// lstmCellBackwardAsm runs LSTMCellBackwardRow on the first m hidden units,
// m a positive multiple of 8 (see lstm_amd64.s).
//
//go:noescape
func lstmCellBackwardAsm(dh, acts, tc, cPrev, dcf, dgates []float32, m int)
