package vec

import "math"

// Adam holds the float32 scalars of one Adam (or AdamW) update, derived
// from the hyper-parameters as PyTorch's single-tensor Adam does.
type Adam struct {
	Sign    float32 // 1, or -1 to maximize
	Decay   float32 // multiplies the parameter first: 1 - lr·wd for AdamW, else 1
	WD      float32 // L2 weight decay added to the gradient (Adam), else 0
	Beta1   float32 // β1
	C1      float32 // 1 - β1
	Beta2   float32 // β2
	C2      float32 // 1 - β2
	NegStep float32 // -lr / (1 - β1^t)
	SqrtBC2 float32 // sqrt(1 - β2^t)
	Eps     float32 // ε
}

// NewAdam returns the scalars of update number step (from 1).
func NewAdam(lr, beta1, beta2, eps, weightDecay float64, decoupled, maximize bool, step int) Adam {
	a := Adam{
		Sign: 1, Decay: 1,
		Beta1: float32(beta1), C1: float32(1 - beta1), Beta2: float32(beta2), C2: float32(1 - beta2),
		NegStep: float32(-(lr / (1 - math.Pow(beta1, float64(step))))),
		SqrtBC2: float32(math.Sqrt(1 - math.Pow(beta2, float64(step)))),
		Eps:     float32(eps),
	}
	if maximize {
		a.Sign = -1
	}
	if weightDecay != 0 {
		if decoupled {
			a.Decay = float32(1 - lr*weightDecay)
		} else {
			a.WD = float32(weightDecay)
		}
	}
	return a
}

// AdamStep applies one Adam update in place to the parameters p with
// gradients g and the moment estimates m and v (all of len(p)):
//
//	d = sign·g (+ wd·p)        m = β1·m + (1-β1)·d
//	v = β2·v + (1-β2)·d²       p = p·decay - step·m / (√v/√(1-β2^t) + ε)
//
// each operation rounded to float32 in PyTorch's order (no fused
// multiply-adds), so both implementations give PyTorch's results.
func AdamStep(p, g, m, v []float32, a *Adam) {
	n := len(p)
	g, m, v = g[:n], m[:n], v[:n]
	l2 := 0
	if a.WD != 0 {
		l2 = 1
	}
	b := blocks(n)
	for i := 0; i < b; i += chunk {
		j := min(i+chunk, b)
		adamAsm(p[i:j], g[i:j], m[i:j], v[i:j], a, l2)
	}
	adamGo(p[b:], g[b:], m[b:], v[b:], a)
}

func adamGo(p, g, m, v []float32, a *Adam) {
	n := len(p)
	g, m, v = g[:n], m[:n], v[:n]
	l2 := a.WD != 0
	for i := range p {
		d := a.Sign * g[i]
		pv := p[i] * a.Decay
		if l2 {
			d += float32(a.WD * pv)
		}
		mi := float32(m[i]*a.Beta1) + float32(a.C1*d)
		vi := float32(v[i]*a.Beta2) + float32(float32(a.C2*d)*d)
		m[i], v[i] = mi, vi
		den := float32(float32(math.Sqrt(float64(vi)))/a.SqrtBC2) + a.Eps
		p[i] = pv + float32(float32(a.NegStep*mi)/den)
	}
}
