package models

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/nn"
)

// The fixture is written by testdata/gen/models.py (PyTorch 1.13, float64).
type goldenStats struct {
	Sum    float64   `json:"sum"`
	AbsSum float64   `json:"abs_sum"`
	Index  []int     `json:"index"`
	Values []float64 `json:"values"`
}

type goldenCase struct {
	Name        string                 `json:"name"`
	Config      Config                 `json:"config"`
	Keys        [][2]json.RawMessage   `json:"keys"`
	InputShape  []int                  `json:"input_shape"`
	IDs         []int64                `json:"ids"`
	Output      []float64              `json:"output"`
	OutputStats *goldenStats           `json:"output_stats"`
	OutputShape []int                  `json:"output_shape"`
	InputGrad   *goldenStats           `json:"input_grad"`
	Grads       map[string]goldenStats `json:"grads"`
	Running     map[string][]float64   `json:"running"`
	EvalOutput  []float64              `json:"eval_output"`
	Prompt      []byte                 `json:"prompt"`
	Generate    map[string][]int       `json:"generate"`
}

func loadGolden(t *testing.T) []goldenCase {
	t.Helper()
	raw, err := os.ReadFile("testdata/models.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Cases []goldenCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	return f.Cases
}

// keyHash and fillValues repeat fill() of models.py.
func keyHash(name string) int {
	s := 0
	for _, b := range []byte(name) {
		s += int(b)
	}
	return s % 97
}

func fillValues(name string, shape []int) []float64 {
	n := 1
	for _, s := range shape {
		n *= s
	}
	out := make([]float64, n)
	h := float64(keyHash(name))
	for i := range out {
		s := math.Sin(0.37*float64(i) + 0.11*h)
		switch {
		case strings.HasSuffix(name, "running_var"):
			out[i] = 0.5 + s*s
		case len(shape) >= 2:
			out[i] = s / math.Sqrt(float64(n/shape[0]))
		case strings.HasSuffix(name, "weight"):
			out[i] = 1 + 0.1*s
		default:
			out[i] = 0.1 * s
		}
	}
	return out
}

func wave(n int, a, b float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = math.Cos(a*float64(i) + b)
	}
	return out
}

// setWeights loads the formula's values into every float tensor of m.
func setWeights(t *testing.T, m nn.Module) {
	t.Helper()
	sd := map[string]*ember.Tensor{}
	for _, e := range nn.StateDict(m) {
		if e.Tensor.DType().IsFloat() {
			sd[e.Name] = ember.FromSlice(fillValues(e.Name, e.Tensor.Shape()), e.Tensor.Shape()...)
		}
	}
	if _, err := nn.LoadStateDict(m, sd, false); err != nil {
		t.Fatal(err)
	}
}

func closeTo(got, want, tol float64) bool { return math.Abs(got-want) <= tol*(1+math.Abs(want)) }

func checkStats(t *testing.T, what string, g *ember.Tensor, want goldenStats, tol float64) {
	t.Helper()
	if g == nil {
		t.Errorf("%s: no gradient", what)
		return
	}
	v := g.To(ember.Float64).Reshape(-1).Float64s()
	sum, abs := 0.0, 0.0
	for _, x := range v {
		sum += x
		abs += math.Abs(x)
	}
	if !closeTo(sum, want.Sum, tol*10) || !closeTo(abs, want.AbsSum, tol*10) {
		t.Errorf("%s: sum %.10g, |sum| %.10g; PyTorch %.10g, %.10g", what, sum, abs, want.Sum, want.AbsSum)
	}
	for k, i := range want.Index {
		if !closeTo(v[i], want.Values[k], tol) {
			t.Errorf("%s[%d] = %.10g, PyTorch %.10g", what, i, v[i], want.Values[k])
		}
	}
}

func TestGoldenAgainstPyTorch(t *testing.T) {
	for ci, c := range loadGolden(t) {
		for _, dt := range []ember.DType{ember.Float64, ember.Float32} {
			t.Run(fmt.Sprintf("%s#%d/%v", c.Name, ci, dt), func(t *testing.T) { runGolden(t, c, dt) })
		}
	}
}

func runGolden(t *testing.T, c goldenCase, dt ember.DType) {
	// float64 matches PyTorch's float64 to rounding; float32 outputs within
	// 1e-5 (relative to 1 + |value|) and gradients within 1e-4.
	outTol, gradTol := 1e-9, 1e-9
	if dt == ember.Float32 {
		outTol, gradTol = 1e-5, 1e-4
	}
	m, err := New(c.Name, c.Config)
	if err != nil {
		t.Fatal(err)
	}
	var wantKeys []string
	for _, k := range c.Keys {
		var name string
		var shape []int
		json.Unmarshal(k[0], &name)
		json.Unmarshal(k[1], &shape)
		if name == "lm_head.weight" {
			continue // tied to wte.weight, listed once
		}
		wantKeys = append(wantKeys, fmt.Sprint(name, shape))
	}
	var gotKeys []string
	for _, e := range nn.StateDict(m) {
		gotKeys = append(gotKeys, fmt.Sprint(e.Name, e.Tensor.Shape()))
	}
	if !slices.Equal(gotKeys, wantKeys) {
		t.Fatalf("state-dict keys\n got %v\nwant %v", gotKeys, wantKeys)
	}
	if err := nn.To(m, dt); err != nil {
		t.Fatal(err)
	}
	setWeights(t, m)
	var x *ember.Tensor
	if c.IDs != nil {
		x = ember.FromSlice(c.IDs, c.InputShape...)
	} else {
		n := 1
		for _, s := range c.InputShape {
			n *= s
		}
		v := wave(n, 0.13, 0.2)
		for i := range v {
			v[i] = 0.5 + 0.5*v[i]
		}
		x = ember.FromSlice(v, c.InputShape...).To(dt).SetRequiresGrad(true)
	}
	nn.Train(m)
	out := m.Forward(x)
	if !slices.Equal(out.Shape(), c.OutputShape) {
		t.Fatalf("output shape %v, PyTorch %v", out.Shape(), c.OutputShape)
	}
	got := out.Detach().To(ember.Float64).Reshape(-1).Float64s()
	if c.OutputStats != nil {
		checkStats(t, "output", out.Detach(), *c.OutputStats, outTol)
	} else {
		for i := range got {
			if !closeTo(got[i], c.Output[i], outTol) {
				t.Fatalf("output[%d] = %.10g, PyTorch %.10g", i, got[i], c.Output[i])
			}
		}
	}
	g := ember.FromSlice(wave(out.Numel(), 0.7, 0.1), out.Shape()...).To(dt)
	out.Mul(g).Sum().Backward()
	if c.InputGrad != nil {
		checkStats(t, "input grad", x.Grad(), *c.InputGrad, gradTol)
	}
	for _, p := range nn.NamedParameters(m) {
		want, ok := c.Grads[p.Name]
		if !ok {
			t.Errorf("PyTorch has no gradient for %s", p.Name)
			continue
		}
		checkStats(t, p.Name+" grad", p.Tensor.Grad(), want, gradTol)
	}
	if c.Running != nil {
		sd := nn.StateMap(m)
		for k, want := range c.Running {
			v := sd[k].To(ember.Float64).Reshape(-1).Float64s()
			for i := range want {
				if !closeTo(v[i], want[i], outTol) {
					t.Errorf("%s[%d] = %.10g after a training forward, PyTorch %.10g", k, i, v[i], want[i])
				}
			}
		}
		nn.Eval(m)
		var ev []float64
		ember.NoGrad(func() { ev = m.Forward(x.Detach()).To(ember.Float64).Reshape(-1).Float64s() })
		for i := range ev {
			if !closeTo(ev[i], c.EvalOutput[i], outTol) {
				t.Fatalf("eval output[%d] = %.10g, PyTorch %.10g", i, ev[i], c.EvalOutput[i])
			}
		}
	}
	if c.Generate != nil && dt == ember.Float64 {
		gpt := m.(*GPTChar)
		for _, cache := range []bool{false, true} {
			out, err := gpt.Generate(c.Prompt, len(c.Generate["false"]), cache)
			if err != nil {
				t.Fatal(err)
			}
			want := c.Generate[fmt.Sprint(cache)]
			for i := range want {
				if int(out[i]) != want[i] {
					t.Fatalf("cache %v: generated %v, PyTorch %v (first difference at %d)", cache, out, want, i)
				}
			}
		}
	}
}
