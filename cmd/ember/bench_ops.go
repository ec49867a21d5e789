package main

import (
	"context"
	"sort"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/backend/cpu/gemm"
	"github.com/emberdl/ember/internal/parallel"
	"github.com/emberdl/ember/nn"
)

// benchPeak is the FMA half of bench/peak.c: the float32 FMA ceiling of
// this CPU on 1 and `threads` cores with the instructions Ember's GEMM
// uses, the figure its GFLOP/s are a fraction of. It prints nothing in a
// build without assembly kernels, or for a GPU.
func benchPeak(_ context.Context, e *emitter, dev ember.Device, c benchConfig) error {
	if c.PeakIters <= 0 || dev.Type != ember.CPUType {
		return nil
	}
	threads := []int{1}
	if n := parallel.Workers(); n > 1 {
		threads = append(threads, n)
	}
	for _, th := range threads {
		isa := ""
		times := make([]float64, max(c.Timing.Samples, 1))
		for i := range times {
			var ok bool
			var g float64
			if isa, g, ok = gemm.PeakFMA(th, c.PeakIters); !ok {
				return nil
			}
			times[i] = 1 / g // rateStats takes times: one unit of work per 1/g
		}
		med, lo, hi := rateStats(1, times)
		cfg := object{{"isa", isa}, {"threads", th}, {"chains", 12}}
		if err := e.emit("peak_fma_fp32", cfg, "throughput", med, "GFLOP/s", field{"min", lo}, field{"max", hi}); err != nil {
			return err
		}
	}
	return nil
}

// benchGemm is gemm.py: GFLOP/s of a·b (2·M·N·K per product), median of
// the timed samples.
func benchGemm(_ context.Context, e *emitter, dev ember.Device, c benchConfig) error {
	run := func(m, k, n int, dt ember.DType, layout string) error {
		g := ember.NewGenerator(0)
		var a *ember.Tensor
		if layout == "TN" {
			a = ember.Randn([]int{k, m}, dt, g, dev).T()
		} else {
			a = ember.Randn([]int{m, k}, dt, g, dev)
		}
		b := ember.Randn([]int{k, n}, dt, g, dev)
		times := timeFn(e, func() { syncDevice(a.Matmul(b)) }, c.Timing)
		med, lo, hi := rateStats(2*float64(m)*float64(n)*float64(k)/1e9, times)
		cfg := object{{"lib", "ember"}, {"M", m}, {"K", k}, {"N", n}, {"dtype", dt.String()}, {"layout", layout}}
		return e.emit("gemm", cfg, "throughput", med, "GFLOP/s", field{"min", lo}, field{"max", hi})
	}
	for _, n := range c.GemmSquare {
		if err := run(n, n, n, ember.Float32, "NN"); err != nil {
			return err
		}
	}
	for _, s := range c.GemmNN {
		if err := run(s[0], s[1], s[2], ember.Float32, "NN"); err != nil {
			return err
		}
	}
	if c.GemmTN != [3]int{} {
		if err := run(c.GemmTN[0], c.GemmTN[1], c.GemmTN[2], ember.Float32, "TN"); err != nil {
			return err
		}
	}
	if c.GemmF64 > 0 {
		return run(c.GemmF64, c.GemmF64, c.GemmF64, ember.Float64, "NN")
	}
	return nil
}

// convCase is one of conv.py's cases.
type convCase struct {
	Name      string
	In        [4]int // N, Cin, H, W
	Out, K    int
	InputGrad bool
}

// benchConv is conv.py: conv2d 3×3 pad 1 with bias, forward (no grad) and
// forward+backward driven by a fixed random output gradient.
func benchConv(_ context.Context, e *emitter, dev ember.Device, c benchConfig) error {
	for _, cc := range c.Conv {
		n, ci, h, w := cc.In[0], cc.In[1], cc.In[2], cc.In[3]
		g := ember.NewGenerator(0)
		x := ember.Randn([]int{n, ci, h, w}, g, dev)
		wt := ember.Randn([]int{cc.Out, ci, cc.K, cc.K}, g, dev).MulScalar(0.1).SetRequiresGrad(true)
		b := ember.Zeros([]int{cc.Out}, dev).SetRequiresGrad(true)
		gy := ember.Randn([]int{n, cc.Out, h, w}, g, dev)
		xg := x.Clone().SetRequiresGrad(cc.InputGrad)
		opts := ember.ConvOptions{Padding: []int{1}}
		fwdFlops := 2.0 * float64(n*cc.Out*h*w*ci*cc.K*cc.K)
		cfg := object{{"N", n}, {"Cin", ci}, {"H", h}, {"W", w}, {"Cout", cc.Out}, {"k", cc.K}, {"pad", 1}, {"input_grad", cc.InputGrad}, {"case", cc.Name}}
		fwd := func() { ember.NoGrad(func() { syncDevice(ember.Conv2d(x, wt, b, opts)) }) }
		fwdBwd := func() {
			wt.SetGrad(nil)
			b.SetGrad(nil)
			xg.SetGrad(nil)
			ember.Conv2d(xg, wt, b, opts).Backward(ember.WithGradient(gy))
			syncDevice(wt.Grad())
		}
		mult := 2.0
		if cc.InputGrad {
			mult = 3
		}
		for _, ph := range []struct {
			name  string
			fn    func()
			flops float64
		}{{"forward", fwd, fwdFlops}, {"forward_backward", fwdBwd, fwdFlops * mult}} {
			times := timeFn(e, ph.fn, c.Timing)
			ms := make([]float64, len(times))
			for i, t := range times {
				ms[i] = t * 1e3
			}
			sort.Float64s(ms)
			if err := e.emit("conv2d_"+ph.name, cfg, "time", ms[len(ms)/2], "ms", field{"min", ms[0]}, field{"max", ms[len(ms)-1]}); err != nil {
				return err
			}
			med, lo, hi := rateStats(ph.flops/1e9, times)
			if err := e.emit("conv2d_"+ph.name, cfg, "throughput", med, "GFLOP/s", field{"min", lo}, field{"max", hi}); err != nil {
				return err
			}
		}
	}
	return nil
}

// benchLSTM is lstm.py: nn.LSTM(input 64, hidden 256, 1 layer) over a
// [T, B, I] sequence; forward (no grad) and forward+backward time per
// step, backward driven by a fixed random output gradient (the input needs
// no gradient).
func benchLSTM(_ context.Context, e *emitter, dev ember.Device, c benchConfig) error {
	t, bsz, in, h := c.LSTM[0], c.LSTM[1], c.LSTM[2], c.LSTM[3]
	g := ember.NewGenerator(0)
	lstm := nn.NewLSTM(in, h, nil, g, dev)
	x := ember.Randn([]int{t, bsz, in}, g, dev)
	gy := ember.Randn([]int{t, bsz, h}, g, dev)
	cfg := object{{"input", in}, {"hidden", h}, {"layers", 1}, {"seq_len", t}, {"batch", bsz}}
	// FLOPs of the gate GEMMs only: 2·T·B·(I+H)·4H forward; backward about twice that.
	gateFlops := 2.0 * float64(t*bsz*(in+h)*4*h)
	fwd := func() {
		ember.NoGrad(func() {
			out, _, _ := lstm.Forward(x, nil, nil)
			syncDevice(out)
		})
	}
	fwdBwd := func() {
		nn.ZeroGrad(lstm)
		out, _, _ := lstm.Forward(x, nil, nil)
		out.Backward(ember.WithGradient(gy))
		syncDevice(lstm.Param("weight_ih_l0").Grad())
	}
	for _, ph := range []struct {
		name  string
		fn    func()
		flops float64
	}{{"forward", fwd, gateFlops}, {"forward_backward", fwdBwd, 3 * gateFlops}} {
		times := timeFn(e, ph.fn, c.Timing)
		sort.Float64s(times)
		mid := times[len(times)/2]
		if err := e.emit("lstm_"+ph.name, cfg, "time_per_step", mid*1e3, "ms", field{"min", times[0] * 1e3},
			field{"max", times[len(times)-1] * 1e3}, field{"gate_gflops", ph.flops / 1e9 / mid}); err != nil {
			return err
		}
	}
	return nil
}
