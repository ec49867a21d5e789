package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/emberdl/ember/backend/cuda/driver"
)

// attnCase is one attention problem with its data in float64.
type attnCase struct {
	b, h, tq, tk, d, dv, group int
	causal                     bool
	maskKind                   AttentionMask
	scale                      float64
	q, k, v, dout              []float64 // dense [b,h,tq,d], [b,h/g,tk,d], [b,h/g,tk,dv], [b,h,tq,dv]
	mask                       []float64 // dense [b,h,tq,tk] (bool as 0/1)
}

func (c *attnCase) hk() int { return c.h / c.group }

func (c *attnCase) qi(b, h, i, d int) int { return ((b*c.h+h)*c.tq+i)*c.d + d }
func (c *attnCase) ki(b, h, j, d int) int { return ((b*c.hk()+h)*c.tk+j)*c.d + d }
func (c *attnCase) vi(b, h, j, d int) int { return ((b*c.hk()+h)*c.tk+j)*c.dv + d }
func (c *attnCase) oi(b, h, i, d int) int { return ((b*c.h+h)*c.tq+i)*c.dv + d }
func (c *attnCase) mi(b, h, i, j int) int { return ((b*c.h+h)*c.tq+i)*c.tk + j }
func (c *attnCase) rowi(b, h, i int) int  { return (b*c.h+h)*c.tq + i }
func (c *attnCase) scores(b, h, i int) []float64 {
	s := make([]float64, c.tk)
	for j := range s {
		dot := 0.0
		for d := 0; d < c.d; d++ {
			dot += c.q[c.qi(b, h, i, d)] * c.k[c.ki(b, h/c.group, j, d)]
		}
		s[j] = dot * c.scale
		switch {
		case c.causal && j > i:
			s[j] = math.Inf(-1)
		case c.maskKind == MaskBool && c.mask[c.mi(b, h, i, j)] == 0:
			s[j] = math.Inf(-1)
		case c.maskKind == MaskAdditive:
			s[j] += c.mask[c.mi(b, h, i, j)]
		}
	}
	return s
}

// probs returns softmax(s) and its log-sum-exp; a row without keys gives
// zeros and -Inf.
func probs(s []float64) ([]float64, float64) {
	m := math.Inf(-1)
	for _, x := range s {
		m = math.Max(m, x)
	}
	p := make([]float64, len(s))
	if math.IsInf(m, -1) {
		return p, m
	}
	sum := 0.0
	for j, x := range s {
		p[j] = math.Exp(x - m)
		sum += p[j]
	}
	for j := range p {
		p[j] /= sum
	}
	return p, m + math.Log(sum)
}

// forward is the textbook attention in float64.
func (c *attnCase) forward() (out, lse []float64) {
	out, lse = make([]float64, c.b*c.h*c.tq*c.dv), make([]float64, c.b*c.h*c.tq)
	for b := 0; b < c.b; b++ {
		for h := 0; h < c.h; h++ {
			for i := 0; i < c.tq; i++ {
				p, l := probs(c.scores(b, h, i))
				lse[c.rowi(b, h, i)] = l
				for d := 0; d < c.dv; d++ {
					acc := 0.0
					for j, pj := range p {
						acc += pj * c.v[c.vi(b, h/c.group, j, d)]
					}
					out[c.oi(b, h, i, d)] = acc
				}
			}
		}
	}
	return out, lse
}

// backward is the gradient of sum(out * dout) in float64.
func (c *attnCase) backward() (dq, dk, dv []float64) {
	dq, dk, dv = make([]float64, len(c.q)), make([]float64, len(c.k)), make([]float64, len(c.v))
	for b := 0; b < c.b; b++ {
		for h := 0; h < c.h; h++ {
			hk := h / c.group
			for i := 0; i < c.tq; i++ {
				p, _ := probs(c.scores(b, h, i))
				dp := make([]float64, c.tk)
				delta := 0.0
				for j := range dp {
					for d := 0; d < c.dv; d++ {
						dp[j] += c.dout[c.oi(b, h, i, d)] * c.v[c.vi(b, hk, j, d)]
					}
					delta += p[j] * dp[j]
				}
				for j := range dp {
					ds := p[j] * (dp[j] - delta)
					for d := 0; d < c.dv; d++ {
						dv[c.vi(b, hk, j, d)] += p[j] * c.dout[c.oi(b, h, i, d)]
					}
					for d := 0; d < c.d; d++ {
						dq[c.qi(b, h, i, d)] += c.scale * ds * c.k[c.ki(b, hk, j, d)]
						dk[c.ki(b, hk, j, d)] += c.scale * ds * c.q[c.qi(b, h, i, d)]
					}
				}
			}
		}
	}
	return dq, dk, dv
}

func (c *attnCase) loss() float64 {
	out, _ := c.forward()
	s := 0.0
	for i, o := range out {
		s += o * c.dout[i]
	}
	return s
}

func newAttnCase(rng *rand.Rand, b, h, tq, tk, d, dv, group int, causal bool, mask AttentionMask) *attnCase {
	c := &attnCase{b: b, h: h, tq: tq, tk: tk, d: d, dv: dv, group: group, causal: causal, maskKind: mask,
		scale: 1 / math.Sqrt(float64(d))}
	gen := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.Float64()*2 - 1
		}
		return v
	}
	c.q, c.k, c.v, c.dout = gen(b*h*tq*d), gen(b*c.hk()*tk*d), gen(b*c.hk()*tk*dv), gen(b*h*tq*dv)
	c.mask = make([]float64, b*h*tq*tk)
	for i := range c.mask {
		if mask == MaskBool {
			c.mask[i] = float64(min(rng.IntN(4), 1)) // a quarter removed
		} else {
			c.mask[i] = rng.Float64() - 0.5
		}
	}
	return c
}

// TestAttentionReferenceGradient checks the float64 backward against
// central differences of the float64 forward.
func TestAttentionReferenceGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(70, 70))
	c := newAttnCase(rng, 1, 2, 3, 4, 3, 2, 2, true, MaskAdditive)
	dq, dk, dv := c.backward()
	for _, p := range []struct {
		x, g []float64
	}{{c.q, dq}, {c.k, dk}, {c.v, dv}} {
		for i := range p.x {
			old := p.x[i]
			p.x[i] = old + 1e-6
			up := c.loss()
			p.x[i] = old - 1e-6
			down := c.loss()
			p.x[i] = old
			if num := (up - down) / 2e-6; math.Abs(num-p.g[i]) > 1e-6 {
				t.Fatalf("gradient %d: analytic %v, numeric %v", i, p.g[i], num)
			}
		}
	}
}

// attnTensors stores a case on the emulator with q, out, dout and dq laid
// out as [B, T, H, D] (the layout of a projection before its transpose)
// and k, v, dk, dv dense, and returns the Attention description.
func attnTensors(d *dev, c *attnCase, dt DType) *Attention {
	bthd := func(vals []float64, t, dim int) (driver.DevicePtr, [3]int64) {
		// element (b, h, i, x) at ((b*t + i)*h + hh)*dim + x
		buf := make([]float64, len(vals))
		for b := 0; b < c.b; b++ {
			for h := 0; h < c.h; h++ {
				for i := 0; i < t; i++ {
					for x := 0; x < dim; x++ {
						buf[((b*t+i)*c.h+h)*dim+x] = vals[((b*c.h+h)*t+i)*dim+x]
					}
				}
			}
		}
		p, _ := d.upload(dt, buf)
		return p, [3]int64{int64(t * c.h * dim), int64(dim), int64(c.h * dim)}
	}
	denseKV := func(vals []float64, dim int) (driver.DevicePtr, [3]int64) {
		p, _ := d.upload(dt, vals)
		return p, [3]int64{int64(c.hk() * c.tk * dim), int64(c.tk * dim), int64(dim)}
	}
	at := &Attention{B: int64(c.b), H: int64(c.h), Tq: int64(c.tq), Tk: int64(c.tk), D: int64(c.d), Dv: int64(c.dv),
		KVGroup: int64(c.group), Scale: c.scale, Causal: c.causal, MaskKind: c.maskKind}
	at.Q, at.QSt = bthd(c.q, c.tq, c.d)
	at.DOut, at.DOutSt = bthd(c.dout, c.tq, c.dv)
	at.Out, at.OutSt = bthd(make([]float64, len(c.dout)), c.tq, c.dv)
	at.DQ, at.DQSt = bthd(make([]float64, len(c.q)), c.tq, c.d)
	at.K, at.KSt = denseKV(c.k, c.d)
	at.V, at.VSt = denseKV(c.v, c.dv)
	at.DK, at.DKSt = denseKV(make([]float64, len(c.k)), c.d)
	at.DV, at.DVSt = denseKV(make([]float64, len(c.v)), c.dv)
	at.LSE, at.Delta = d.alloc(4*c.b*c.h*c.tq), d.alloc(4*c.b*c.h*c.tq)
	if c.maskKind != MaskNone {
		// Broadcast over heads: the case's mask is made equal across them.
		for b := 0; b < c.b; b++ {
			for h := 1; h < c.h; h++ {
				for i := 0; i < c.tq; i++ {
					for j := 0; j < c.tk; j++ {
						c.mask[c.mi(b, h, i, j)] = c.mask[c.mi(b, 0, i, j)]
					}
				}
			}
		}
		small := make([]float64, c.b*c.tq*c.tk)
		for b := 0; b < c.b; b++ {
			copy(small[b*c.tq*c.tk:], c.mask[c.mi(b, 0, 0, 0):c.mi(b, 0, 0, 0)+c.tq*c.tk])
		}
		mdt := dt
		if c.maskKind == MaskBool {
			mdt = Bool
		}
		var exact []float64
		at.Mask, exact = d.upload(mdt, small)
		for b := 0; b < c.b; b++ {
			for h := 0; h < c.h; h++ {
				copy(c.mask[c.mi(b, h, 0, 0):], exact[b*c.tq*c.tk:(b+1)*c.tq*c.tk])
			}
		}
		at.MaskSt = [4]int64{int64(c.tq * c.tk), 0, int64(c.tk), 1}
	}
	return at
}

// readBTHD reads a [B, T, H, dim] buffer back as dense [B, H, T, dim].
func readBTHD(d *dev, dt DType, p driver.DevicePtr, c *attnCase, t, dim int) []float64 {
	raw := d.download(dt, p, c.b*c.h*t*dim)
	out := make([]float64, len(raw))
	for b := 0; b < c.b; b++ {
		for h := 0; h < c.h; h++ {
			for i := 0; i < t; i++ {
				for x := 0; x < dim; x++ {
					out[((b*c.h+h)*t+i)*dim+x] = raw[((b*t+i)*c.h+h)*dim+x]
				}
			}
		}
	}
	return out
}

// checkAttn compares with an absolute and relative tolerance.
func checkAttn(t *testing.T, what string, got, want []float64, atol, rtol float64) {
	t.Helper()
	for i := range want {
		if !(math.Abs(got[i]-want[i]) <= atol+rtol*math.Abs(want[i])) && !(math.IsInf(want[i], -1) && math.IsInf(got[i], -1)) {
			t.Errorf("%s element %d: got %v, want %v", what, i, got[i], want[i])
			return
		}
	}
}

func TestAttention(t *testing.T) {
	d := device(t)
	rng := rand.New(rand.NewPCG(71, 71))
	for ci, cfg := range []struct {
		b, h, tq, tk, d, dv, group int
		causal                     bool
		mask                       AttentionMask
		types                      []DType
	}{
		{2, 2, 37, 37, 24, 40, 1, false, MaskNone, AttentionTypes},
		{1, 2, 20, 45, 64, 64, 1, true, MaskNone, []DType{F32}},
		{2, 2, 19, 33, 32, 8, 1, false, MaskBool, []DType{F32, BF16}},
		{1, 4, 17, 9, 128, 16, 2, true, MaskAdditive, []DType{F32, F16}},
	} {
		for _, dt := range cfg.types {
			c := newAttnCase(rng, cfg.b, cfg.h, cfg.tq, cfg.tk, cfg.d, cfg.dv, cfg.group, cfg.causal, cfg.mask)
			if cfg.mask == MaskBool {
				for j := 0; j < c.tk; j++ {
					c.mask[c.mi(0, 0, 3, j)] = 0 // query row 3 sees no key
				}
			}
			at := attnTensors(d, c, dt)
			// The reference sees the inputs as dt holds them.
			for _, x := range [][]float64{c.q, c.k, c.v, c.dout} {
				copy(x, roundTo(dt, x))
			}
			a := driver.NewArgs()
			for _, pass := range []AttentionPass{AttentionForward, AttentionBackwardPre, AttentionBackwardDQ, AttentionBackwardKV} {
				l, err := PackAttention(a, pass, at, 3)
				d.launch(AttentionKernel(pass, dt), l, a, err)
			}
			atol, rtol := 3e-5, 1e-4
			if dt != F32 {
				atol, rtol = 3e-2, 3e-2
			}
			name := fmt.Sprintf("case %d %v", ci, dt)
			out, lse := c.forward()
			checkAttn(t, name+" out", readBTHD(d, dt, at.Out, c, c.tq, c.dv), roundTo(dt, out), atol, rtol)
			checkAttn(t, name+" lse", d.download(F32, at.LSE, len(lse)), lse, 1e-5, 1e-5)
			dq, dk, dv := c.backward()
			checkAttn(t, name+" dq", readBTHD(d, dt, at.DQ, c, c.tq, c.d), roundTo(dt, dq), atol, rtol)
			checkAttn(t, name+" dk", d.download(dt, at.DK, len(dk)), roundTo(dt, dk), atol, rtol)
			checkAttn(t, name+" dv", d.download(dt, at.DV, len(dv)), roundTo(dt, dv), atol, rtol)
		}
	}
}

func TestAttentionPackErrors(t *testing.T) {
	a := driver.NewArgs()
	base := Attention{B: 1, H: 2, Tq: 4, Tk: 4, D: 8, Dv: 8, Scale: 1}
	for name, mod := range map[string]func(*Attention){
		"head dim 256":   func(at *Attention) { at.D = 256 },
		"group 3 of 2":   func(at *Attention) { at.KVGroup = 3 },
		"mask without":   func(at *Attention) { at.MaskKind = MaskBool },
		"mask kind 7":    func(at *Attention) { at.MaskKind = 7; at.Mask = 1 },
		"no query rows":  func(at *Attention) { at.Tq = 0 },
		"65536 heads":    func(at *Attention) { at.B = 65536 },
		"negative batch": func(at *Attention) { at.B = -1 },
	} {
		at := base
		mod(&at)
		if _, err := PackAttention(a, AttentionForward, &at, 4); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if _, err := PackAttention(a, AttentionPass("attn_nope"), &base, 4); err == nil {
		t.Error("unknown pass accepted")
	}
}

// TestAttentionTensorCores runs the tensor-core passes (on the emulator,
// mma_tc's shuffle form) against the float64 reference: every head dim,
// both 16-bit types, sizes off the 64-row tiles, causal and grouped heads,
// and a backward whose lse comes from the float32-path forward (the two
// files' passes mix).
func TestAttentionTensorCores(t *testing.T) {
	d := device(t)
	rng := rand.New(rand.NewPCG(72, 72))
	for ci, cfg := range []struct {
		b, h, tq, tk, d, group int
		causal                 bool
		dt                     DType
	}{
		{1, 2, 70, 70, 64, 1, true, BF16},
		{2, 2, 37, 45, 32, 2, false, F16},
		{1, 2, 33, 80, 128, 1, false, BF16},
		{1, 4, 67, 67, 32, 2, true, F16},
		{1, 1, 66, 66, 128, 1, true, F16},
	} {
		c := newAttnCase(rng, cfg.b, cfg.h, cfg.tq, cfg.tk, cfg.d, cfg.d, cfg.group, cfg.causal, MaskNone)
		at := attnTensors(d, c, cfg.dt)
		if ci == 2 {
			// K and V two elements into their buffers: 4-byte aligned, not
			// 16, so the tiles load as pairs.
			shifted := func(vals []float64) driver.DevicePtr {
				p, _ := d.upload(cfg.dt, append([]float64{0, 0}, vals...))
				return p + driver.DevicePtr(2*cfg.dt.Size())
			}
			at.K, at.V = shifted(c.k), shifted(c.v)
		}
		if !TensorCoreAttention(at, cfg.dt) {
			t.Fatalf("case %d: TensorCoreAttention declines", ci)
		}
		for _, x := range [][]float64{c.q, c.k, c.v, c.dout} {
			copy(x, roundTo(cfg.dt, x))
		}
		fwd := AttentionTCForward
		if ci == 1 {
			fwd = AttentionForward
		}
		a := driver.NewArgs()
		for _, pass := range []AttentionPass{fwd, AttentionBackwardPre, AttentionTCBackwardDQ, AttentionTCBackwardKV} {
			l, err := PackAttention(a, pass, at, 3)
			k := AttentionTCKernel(pass, cfg.dt, cfg.d)
			if pass == AttentionForward || pass == AttentionBackwardPre {
				k = AttentionKernel(pass, cfg.dt)
			}
			d.launch(k, l, a, err)
		}
		name := fmt.Sprintf("case %d %v D=%d", ci, cfg.dt, cfg.d)
		out, lse := c.forward()
		checkAttn(t, name+" out", readBTHD(d, cfg.dt, at.Out, c, c.tq, c.dv), roundTo(cfg.dt, out), 2e-2, 2e-2)
		checkAttn(t, name+" lse", d.download(F32, at.LSE, len(lse)), lse, 1e-4, 1e-4)
		dq, dk, dv := c.backward()
		checkAttn(t, name+" dq", readBTHD(d, cfg.dt, at.DQ, c, c.tq, c.d), roundTo(cfg.dt, dq), 3e-2, 3e-2)
		checkAttn(t, name+" dk", d.download(cfg.dt, at.DK, len(dk)), roundTo(cfg.dt, dk), 3e-2, 3e-2)
		checkAttn(t, name+" dv", d.download(cfg.dt, at.DV, len(dv)), roundTo(cfg.dt, dv), 3e-2, 3e-2)
	}
}

func TestTensorCoreAttentionDeclines(t *testing.T) {
	base := Attention{B: 1, H: 2, Tq: 8, Tk: 8, D: 64, Dv: 64, KVGroup: 1, Q: 256, K: 512, V: 768,
		QSt: [3]int64{1024, 64, 128}, KSt: [3]int64{512, 512, 64}, VSt: [3]int64{512, 512, 64}}
	if !TensorCoreAttention(&base, BF16) || !TensorCoreAttention(&base, F16) {
		t.Fatal("declines a plain case")
	}
	for name, f := range map[string]func(a *Attention) DType{
		"float32":     func(a *Attention) DType { return F32 },
		"mask":        func(a *Attention) DType { a.MaskKind, a.Mask = MaskBool, 1024; return BF16 },
		"D != Dv":     func(a *Attention) DType { a.Dv = 32; return BF16 },
		"D 48":        func(a *Attention) DType { a.D, a.Dv = 48, 48; return BF16 },
		"odd stride":  func(a *Attention) DType { a.QSt[2] = 129; return F16 },
		"odd address": func(a *Attention) DType { a.K += 2; return F16 },
	} {
		a := base
		if TensorCoreAttention(&a, f(&a)) {
			t.Errorf("%s: accepted", name)
		}
	}
}
