package ember

import (
	"fmt"
	"strings"
	"testing"
)

var recurrences = []Recurrence{RecurrentTanh, RecurrentRelu, RecurrentLSTM, RecurrentGRU}

// recWeights returns float64 weights requiring gradients.
func recWeights(seed uint64, mode Recurrence, in, hidden int, bias bool) RecurrentWeights {
	gh := mode.Gates() * hidden
	w := RecurrentWeights{WeightIH: randT(seed, -0.7, 0.7, gh, in), WeightHH: randT(seed+1, -0.7, 0.7, gh, hidden)}
	if bias {
		w.BiasIH, w.BiasHH = randT(seed+2, -0.5, 0.5, gh), randT(seed+3, -0.5, 0.5, gh)
	}
	return w
}

// recFlat joins a layer's results into one vector (for gradient checks).
func recFlat(out, hN, cN *Tensor) *Tensor {
	parts := []*Tensor{out.Flatten(0, -1), hN.Flatten(0, -1)}
	if cN != nil {
		parts = append(parts, cN.Flatten(0, -1))
	}
	return Cat(parts, 0)
}

func init() {
	registerGolden("recurrent_layer", one(func(a goldenArgs, in []*Tensor) *Tensor {
		mode := Recurrence(a.Int("mode", 0))
		w := RecurrentWeights{WeightIH: in[0], WeightHH: in[1]}
		rest := in[2:]
		if a.Bool("bias", true) {
			w.BiasIH, w.BiasHH = rest[0], rest[1]
			rest = rest[2:]
		}
		x := rest[0]
		var h0, c0 *Tensor
		if len(rest) > 1 {
			h0 = rest[1]
		}
		if len(rest) > 2 {
			c0 = rest[2]
		}
		return recFlat(RecurrentLayer(mode, x, h0, c0, w, a.Bool("reverse", false)))
	}))
	registerGolden("recurrent_cell", one(func(a goldenArgs, in []*Tensor) *Tensor {
		mode := Recurrence(a.Int("mode", 0))
		w := RecurrentWeights{WeightIH: in[0], WeightHH: in[1], BiasIH: in[2], BiasHH: in[3]}
		var c *Tensor
		if len(in) > 6 {
			c = in[6]
		}
		h, cn := RecurrentCell(mode, in[4], in[5], c, w)
		if cn == nil {
			return h
		}
		return Cat([]*Tensor{h, cn}, -1)
	}))

	seed := uint64(9100)
	for _, mode := range recurrences {
		for _, reverse := range []bool{false, true} {
			mode, reverse, sd := mode, reverse, seed
			seed += 10
			addGradCheck(gradCase{name: fmt.Sprintf("recurrent_layer/%v/reverse=%v", mode, reverse), secondOrder: true,
				inputs: func() []*Tensor {
					w := recWeights(sd, mode, 3, 2, true)
					c0 := randT(sd+7, -0.8, 0.8, 2, 2)
					if mode != RecurrentLSTM {
						c0 = c0.Detach() // unused
					}
					return []*Tensor{randT(sd+5, -1, 1, 3, 2, 3), randT(sd+6, -0.8, 0.8, 2, 2), c0,
						w.WeightIH, w.WeightHH, w.BiasIH, w.BiasHH}
				},
				f: func(in []*Tensor) *Tensor {
					w := RecurrentWeights{WeightIH: in[3], WeightHH: in[4], BiasIH: in[5], BiasHH: in[6]}
					c0 := in[2]
					if mode != RecurrentLSTM {
						c0 = nil
					}
					return recFlat(RecurrentLayer(mode, in[0], in[1], c0, w, reverse))
				}})
		}
		mode, sd := mode, seed
		seed += 10
		addGradCheck(gradCase{name: fmt.Sprintf("recurrent_cell/%v", mode), secondOrder: true,
			inputs: func() []*Tensor {
				w := recWeights(sd, mode, 3, 2, true)
				c := randT(sd+7, -0.8, 0.8, 2, 2)
				if mode != RecurrentLSTM {
					c = c.Detach() // unused
				}
				return []*Tensor{randT(sd+5, -1, 1, 2, 3), randT(sd+6, -0.8, 0.8, 2, 2), c,
					w.WeightIH, w.WeightHH, w.BiasIH, w.BiasHH}
			},
			f: func(in []*Tensor) *Tensor {
				w := RecurrentWeights{WeightIH: in[3], WeightHH: in[4], BiasIH: in[5], BiasHH: in[6]}
				var c *Tensor
				if mode == RecurrentLSTM {
					c = in[2]
				}
				h, cn := RecurrentCell(mode, in[0], in[1], c, w)
				if cn != nil {
					return Cat([]*Tensor{h, cn}, -1)
				}
				return h
			}})
	}
}

// TestRecurrentLayerMatchesComposed compares the fused layer (forward and
// its kernel-based backward) with the same recurrence written step by
// step with Ember ops, in float64.
func TestRecurrentLayerMatchesComposed(t *testing.T) {
	const T, B, I, H = 5, 3, 4, 6
	for _, mode := range recurrences {
		for _, reverse := range []bool{false, true} {
			for _, bias := range []bool{true, false} {
				for _, state := range []bool{true, false} {
					name := fmt.Sprintf("%v/reverse=%v/bias=%v/state=%v", mode, reverse, bias, state)
					t.Run(name, func(t *testing.T) {
						w := recWeights(11, mode, I, H, bias)
						x := randT(20, -1, 1, T, B, I)
						var h0, c0 *Tensor
						if state {
							h0 = randT(21, -1, 1, B, H)
							if mode == RecurrentLSTM {
								c0 = randT(22, -1, 1, B, H)
							}
						}
						ins := []*Tensor{x}
						for _, p := range append([]*Tensor{h0, c0}, w.tensors()...) {
							if p != nil {
								ins = append(ins, p)
							}
						}
						wOut, wH, wC := randT(30, -1, 1, T, B, H).Detach(), randT(31, -1, 1, B, H).Detach(), randT(32, -1, 1, B, H).Detach()
						loss := func(out, hN, cN *Tensor) *Tensor {
							l := out.Mul(wOut).Sum().Add(hN.Mul(wH).Sum())
							if cN != nil {
								l = l.Add(cN.Mul(wC).Sum())
							}
							return l
						}
						out, hN, cN := RecurrentLayer(mode, x, h0, c0, w, reverse)
						if got := out.GradFn(); got != "ViewBackward0" && got != "SliceBackward0" && got != mode.gradName() {
							t.Errorf("grad_fn %q", got)
						}
						got := Grad([]*Tensor{loss(out, hN, cN)}, ins)

						zh, zc := h0, c0
						if zh == nil {
							zh = Zeros([]int{B, H}, Float64)
						}
						if mode == RecurrentLSTM && zc == nil {
							zc = Zeros([]int{B, H}, Float64)
						}
						packed := recurrentComposed(mode, x, zh, zc, w, reverse)
						rOut := packed.Narrow(0, 0, T)
						last := T - 1
						if reverse {
							last = 0
						}
						var rC *Tensor
						if mode == RecurrentLSTM {
							rC = packed.Select(0, T)
						}
						rH := rOut.Select(0, last)
						want := Grad([]*Tensor{loss(rOut, rH, rC)}, ins)
						assertClose(t, "out", out, []int{T, B, H}, rOut.Float64s(), 1e-12, 1e-12)
						assertClose(t, "hN", hN, []int{B, H}, rH.Float64s(), 1e-12, 1e-12)
						if mode == RecurrentLSTM {
							assertClose(t, "cN", cN, []int{B, H}, rC.Float64s(), 1e-12, 1e-12)
						} else if cN != nil {
							t.Fatal("cN for a recurrence without a cell state")
						}
						for i := range ins {
							assertClose(t, fmt.Sprintf("grad %d", i), got[i], ins[i].Shape(), want[i].Float64s(), 1e-11, 1e-11)
						}
					})
				}
			}
		}
	}
}

// TestRecurrentLSTMFloat32: a float32 LSTM (the CPU's packed recurrent
// weight and fused cell kernels, at a hidden size of whole GEMM panels)
// matches the float64 composed layer, outputs and gradients, recorded and
// under NoGrad.
func TestRecurrentLSTMFloat32(t *testing.T) {
	// The second case is large enough for the CPU's fused step to split
	// its product among tasks (gate blocks of 32 units), and runs in
	// reverse; the first uses blocks of 16 on one task.
	for _, c := range []struct {
		T, B, I, H int
		reverse    bool
	}{{4, 3, 5, 32, false}, {3, 64, 8, 96, true}} {
		t.Run(fmt.Sprintf("H%d", c.H), func(t *testing.T) { checkLSTMFloat32(t, c.T, c.B, c.I, c.H, c.reverse) })
	}
}

// checkLSTMFloat32 compares the fused layer in float32 (outputs and every
// gradient) with the composed layer in float64.
func checkLSTMFloat32(t *testing.T, T, B, I, H int, reverse bool) {
	w64 := recWeights(41, RecurrentLSTM, I, H, true)
	x64, h64, c64 := randT(42, -1, 1, T, B, I), randT(43, -1, 1, B, H), randT(44, -1, 1, B, H)
	f32 := func(ts ...*Tensor) []*Tensor {
		out := make([]*Tensor, len(ts))
		for i, t := range ts {
			out[i] = t.Detach().To(Float32).SetRequiresGrad(true)
		}
		return out
	}
	ins := f32(x64, h64, c64, w64.WeightIH, w64.WeightHH, w64.BiasIH, w64.BiasHH)
	w := RecurrentWeights{WeightIH: ins[3], WeightHH: ins[4], BiasIH: ins[5], BiasHH: ins[6]}
	out, hN, cN := RecurrentLayer(RecurrentLSTM, ins[0], ins[1], ins[2], w, reverse)
	got := Grad([]*Tensor{recFlat(out, hN, cN).Sum()}, ins)

	ins64 := []*Tensor{x64, h64, c64, w64.WeightIH, w64.WeightHH, w64.BiasIH, w64.BiasHH}
	packed := recurrentComposed(RecurrentLSTM, x64, h64, c64, w64, reverse)
	last := T - 1
	if reverse {
		last = 0
	}
	want := Grad([]*Tensor{packed.Sum().Add(packed.Select(0, last).Sum())}, ins64)
	assertClose(t, "out", out, []int{T, B, H}, packed.Narrow(0, 0, T).Float64s(), 1e-5, 1e-5)
	assertClose(t, "cN", cN, []int{B, H}, packed.Select(0, T).Float64s(), 1e-5, 1e-5)
	for i := range ins {
		assertClose(t, fmt.Sprintf("grad %d", i), got[i], ins[i].Shape(), want[i].Float64s(), 1e-4, 1e-4)
	}
	NoGrad(func() {
		o2, _, c2 := RecurrentLayer(RecurrentLSTM, ins[0], ins[1], ins[2], w, reverse)
		assertClose(t, "out under NoGrad", o2, []int{T, B, H}, out.Float64s(), 0, 0)
		assertClose(t, "cN under NoGrad", c2, []int{B, H}, cN.Float64s(), 0, 0)
	})
}

// TestRecurrentLayerNoGradMatches checks the inference path (which keeps
// only two cell-state buffers) against the recorded one.
func TestRecurrentLayerNoGradMatches(t *testing.T) {
	for _, mode := range recurrences {
		w := recWeights(40, mode, 3, 4, true)
		x := randT(41, -1, 1, 6, 2, 3)
		want := recFlat(RecurrentLayer(mode, x, nil, nil, w, true)).Float64s()
		var got *Tensor
		NoGrad(func() { got = recFlat(RecurrentLayer(mode, x, nil, nil, w, true)) })
		if got.RequiresGrad() {
			t.Fatalf("%v: result under NoGrad requires grad", mode)
		}
		assertClose(t, mode.String(), got, []int{len(want)}, want, 0, 0)
	}
}

// TestRecurrentLayerRetainGraph runs the kernel backward twice on one graph.
func TestRecurrentLayerRetainGraph(t *testing.T) {
	w := recWeights(50, RecurrentLSTM, 3, 4, true)
	x := randT(51, -1, 1, 4, 2, 3)
	out, _, _ := RecurrentLayer(RecurrentLSTM, x, nil, nil, w, false)
	s := out.Sum()
	s.Backward(RetainGraph())
	first := w.WeightHH.Grad().Float64s()
	s.Backward()
	twice := w.WeightHH.Grad().Float64s()
	for i := range first {
		if d := twice[i] - 2*first[i]; d > 1e-12 || d < -1e-12 {
			t.Fatalf("second backward: element %d is %v, want %v", i, twice[i], 2*first[i])
		}
	}
}

// TestRecurrentLayerHalf runs bfloat16 and float16 layers (computed in
// float32) against the float32 layer.
func TestRecurrentLayerHalf(t *testing.T) {
	for _, dt := range []DType{BFloat16, Float16} {
		for _, mode := range []Recurrence{RecurrentLSTM, RecurrentGRU} {
			w := recWeights(60, mode, 3, 4, true)
			x := randT(61, -1, 1, 3, 2, 3).Detach()
			cast := func(w RecurrentWeights, d DType) RecurrentWeights {
				return RecurrentWeights{w.WeightIH.Detach().To(d).SetRequiresGrad(true), w.WeightHH.Detach().To(d).SetRequiresGrad(true),
					w.BiasIH.Detach().To(d).SetRequiresGrad(true), w.BiasHH.Detach().To(d).SetRequiresGrad(true)}
			}
			wh, wf := cast(w, dt), cast(w, Float32)
			out, _, _ := RecurrentLayer(mode, x.To(dt), nil, nil, wh, false)
			ref, _, _ := RecurrentLayer(mode, x.To(Float32), nil, nil, wf, false)
			if out.DType() != dt {
				t.Fatalf("%v %v: result dtype %v", dt, mode, out.DType())
			}
			assertClose(t, fmt.Sprint(dt, mode), out, ref.Shape(), ref.Float64s(), 2e-2, 2e-2)
			out.Sum().Backward()
			ref.Sum().Backward()
			if wh.WeightHH.Grad().DType() != dt {
				t.Fatalf("gradient dtype %v", wh.WeightHH.Grad().DType())
			}
			assertClose(t, fmt.Sprint(dt, mode, " grad"), wh.WeightHH.Grad(), wf.WeightHH.Shape(), wf.WeightHH.Grad().Float64s(), 5e-2, 5e-2)
		}
	}
}

func TestRecurrentErrors(t *testing.T) {
	w := recWeights(70, RecurrentLSTM, 3, 2, true)
	gw := recWeights(71, RecurrentGRU, 3, 2, false)
	x := Zeros([]int{4, 2, 3}, Float64)
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"rank", func() { RecurrentLayer(RecurrentLSTM, Zeros([]int{4, 3}, Float64), nil, nil, w, false) }, "recurrent_layer: input must have 3 dimensions [T, B, I], got 2"},
		{"input size", func() { RecurrentLayer(RecurrentLSTM, Zeros([]int{4, 2, 5}, Float64), nil, nil, w, false) }, "input.size(-1) must be equal to input_size. Expected 3, got 5"},
		{"empty sequence", func() { RecurrentLayer(RecurrentGRU, Zeros([]int{0, 2, 3}, Float64), nil, nil, gw, false) }, "Expected sequence length to be larger than 0 in RNN"},
		{"h0 shape", func() { RecurrentLayer(RecurrentGRU, x, Zeros([]int{3, 2}, Float64), nil, gw, false) }, "expected h0 of size [2 2], got [3 2]"},
		{"c0 shape", func() { RecurrentLayer(RecurrentLSTM, x, nil, Zeros([]int{2, 3}, Float64), w, false) }, "expected c0 of size [2 2], got [2 3]"},
		{"c0 for GRU", func() { RecurrentLayer(RecurrentGRU, x, nil, Zeros([]int{2, 2}, Float64), gw, false) }, "a cell state is only used by LSTM, not GRU"},
		{"dtype", func() { RecurrentLayer(RecurrentLSTM, x.To(Float32), nil, nil, w, false) }, "expected input to have dtype float64 (the weights' dtype), got float32"},
		{"gate rows", func() { RecurrentLayer(RecurrentGRU, x, nil, nil, w, false) }, "GRU weights need 3*hidden_size rows"},
		{"bias shape", func() {
			RecurrentLayer(RecurrentGRU, x, nil, nil, RecurrentWeights{gw.WeightIH, gw.WeightHH, Zeros([]int{5}, Float64), nil}, false)
		}, "biases must have shape [6], got [5]"},
		{"mode", func() { RecurrentLayer(Recurrence(9), x, nil, nil, w, false) }, "unknown recurrence 9"},
		{"missing weight", func() { RecurrentLayer(RecurrentLSTM, x, nil, nil, RecurrentWeights{WeightIH: w.WeightIH}, false) }, "WeightIH and WeightHH are required"},
		{"integer weights", func() {
			RecurrentCell(RecurrentTanh, Zeros([]int{3}, Int64), nil, nil, RecurrentWeights{Zeros([]int{2, 3}, Int64), Zeros([]int{2, 2}, Int64), nil, nil})
		}, "recurrent weights must be floating point, got int64"},
		{"cell rank", func() { RecurrentCell(RecurrentLSTM, x, nil, nil, w) }, "LSTM cell: expected input to be 1-D or 2-D, got 3-D tensor"},
		{"cell input size", func() { RecurrentCell(RecurrentLSTM, Zeros([]int{2, 4}, Float64), nil, nil, w) }, "input has inconsistent input_size: got 4 expected 3"},
		{"cell hx", func() { RecurrentCell(RecurrentLSTM, Zeros([]int{2, 3}, Float64), Zeros([]int{2}, Float64), nil, w) }, "expected hx of size [2 2], got [2]"},
	}
	for _, c := range cases {
		err := Catch(c.f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

func ExampleRecurrentLayer() {
	// One LSTM layer (hidden size 2) over 3 steps of a batch of 1; the
	// final state matches torch._VF.lstm with the same weights.
	w := RecurrentWeights{WeightIH: Full([]int{8, 1}, 0.5), WeightHH: Full([]int{8, 2}, -0.25)}
	x := FromSlice([]float32{1, 0, -1}, 3, 1, 1)
	out, hN, cN := RecurrentLayer(RecurrentLSTM, x, nil, nil, w, false)
	fmt.Println(out.Shape(), hN.Shape(), cN.Shape())
	fmt.Printf("%.4f\n", hN.Float32s())
	// Output:
	// [3 1 2] [1 2] [1 2]
	// [-0.0528 -0.0528]
}
