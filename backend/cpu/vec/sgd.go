package vec

// SGD holds the float32 scalars and switches of one SGD update, as
// PyTorch's single-tensor SGD computes it.
type SGD struct {
	Sign     float32 // 1, or -1 to maximize
	WD       float32 // weight decay added to the gradient
	Momentum float32 // μ
	Damp     float32 // 1 - dampening
	NegLR    float32 // -lr
	Decay    int32   // 1: add WD·p to the gradient
	Moment   int32   // 1: use the momentum buffer
	First    int32   // 1: the buffer starts as the gradient
	Nesterov int32   // 1: Nesterov momentum
}

// SGDStep applies one SGD update in place to the parameters p with
// gradients g and, with momentum, the buffer buf (all of len(p)):
//
//	d = sign·g (+ wd·p);  b = d (first step) or μ·b + (1-dampening)·d
//	p = p - lr·(d + μ·b with Nesterov, else b)
//
// each operation rounded to float32 in PyTorch's order.
func SGDStep(p, g, buf []float32, s *SGD) {
	n := len(p)
	g = g[:n]
	if s.Moment != 0 {
		buf = buf[:n]
	}
	m := blocks(n)
	for i := 0; i < m; i += chunk {
		j := min(i+chunk, m)
		var b []float32
		if s.Moment != 0 {
			b = buf[i:j]
		}
		sgdAsm(p[i:j], g[i:j], b, s)
	}
	var b []float32
	if s.Moment != 0 {
		b = buf[m:]
	}
	sgdGo(p[m:], g[m:], b, s)
}

func sgdGo(p, g, buf []float32, s *SGD) {
	g = g[:len(p)]
	for i := range p {
		pv := p[i]
		d := s.Sign * g[i]
		if s.Decay != 0 {
			d += float32(s.WD * pv)
		}
		if s.Moment != 0 {
			b := d
			if s.First == 0 {
				b = float32(buf[i]*s.Momentum) + float32(s.Damp*d)
			}
			buf[i] = b
			if s.Nesterov != 0 {
				d += float32(s.Momentum * b)
			} else {
				d = b
			}
		}
		p[i] = pv + float32(s.NegLR*d)
	}
}
