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

// LSTMCellBackwardRow runs the pointwise part of an LSTM step's backward
// pass on one batch row in a single pass. With hid = len(dh), acts holds
// the gate activations i, f, g, o of the forward pass (hid each, side by
// side), tc = tanh(c_t), cPrev = c_{t-1}, and dcf the gradient reaching c_t
// from the next step (dc_{t+1}·f_{t+1}); it writes the gates' gradients to
// dgates (same layout as acts) and replaces dcf by dc·f:
//
//	dc = dh·o·(1 - tc²) + dcf
//	dgates = [dc·g·i(1-i), dc·cPrev·f(1-f), dc·i·(1-g²), dh·tc·o(1-o)]
//
// every multiplication and subtraction as the element-wise kernels (Mul,
// Sub, Add) compute them one after the other, in the order of the unfused
// step, so the results are the same bits. dgates must not overlap the
// inputs.
func LSTMCellBackwardRow(dh, acts, tc, cPrev, dcf, dgates []float32) {
	hid := len(dh)
	acts, dgates, tc, cPrev, dcf = acts[:4*hid], dgates[:4*hid], tc[:hid], cPrev[:hid], dcf[:hid]
	m := blocks(hid)
	if m > 0 {
		lstmCellBackwardAsm(dh, acts, tc, cPrev, dcf, dgates, m)
	}
	for j := m; j < hid; j++ {
		i, f, g, o := acts[j], acts[hid+j], acts[2*hid+j], acts[3*hid+j]
		// Each product rounded on its own (no fused multiply-add), as Mul
		// and Sub do.
		tmp := float32(dh[j] * o)
		tmp2 := float32(tmp * tc[j])
		dgates[3*hid+j] = tmp2 - float32(tmp2*o)
		tmp2 = float32(tmp2 * tc[j])
		dc := float32(tmp-tmp2) + dcf[j]
		t := float32(float32(dc*g) * i)
		dgates[j] = t - float32(t*i)
		t = float32(float32(dc*cPrev[j]) * f)
		dgates[hid+j] = t - float32(t*f)
		t = float32(dc * i)
		dgates[2*hid+j] = t - float32(float32(t*g)*g)
		dcf[j] = float32(dc * f)
	}
}
