package vec

// LSTMCellRow runs the pointwise part of an LSTM step on one batch row in a
// single pass. g holds the pre-activations of the input, forget, cell and
// output gates, hid = len(c) each, side by side; bias (nil, or 4·hid
// values) is added to them first. The gates are replaced by their
// activations (sigmoid, sigmoid, tanh, sigmoid), and
//
//	c = f·cPrev + i·g,  tc = tanh(c),  h = o·tc
//
// are written, every operation as the separate kernels (Add, Sigmoid,
// Tanh, Mul) compute it, so the results are the same bits as that
// sequence's. c, tc and h must not overlap g.
func LSTMCellRow(g, bias, cPrev, c, tc, h []float32) {
	hid := len(c)
	g, cPrev, tc, h = g[:4*hid], cPrev[:hid], tc[:hid], h[:hid]
	if bias != nil {
		Add(g, g, bias[:4*hid])
	}
	m := blocks(hid)
	if m > 0 && hid <= chunk {
		lstmCellAsm(g, cPrev, c, tc, h, m)
	} else {
		m = 0
	}
	// The rest, as the separate kernels' Go tails compute it.
	for k := range 4 {
		part := g[k*hid+m : (k+1)*hid]
		if k == 2 {
			tanhGo(part, part)
		} else {
			sigmoidGo(part, part)
		}
	}
	i, f, gg, o := g[m:hid], g[hid+m:2*hid], g[2*hid+m:3*hid], g[3*hid+m:]
	cr, tcr, hr := c[m:], tc[m:], h[m:]
	mulGo(cr, f, cPrev[m:])
	mulGo(tcr, i, gg) // tc holds i·g until it becomes tanh(c)
	addGo(cr, cr, tcr)
	tanhGo(tcr, cr)
	mulGo(hr, o, tcr)
}
