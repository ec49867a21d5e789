package initializer_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/nn/initializer"
)

// fixture is testdata/init.json, written by testdata/gen/nn_init.py from
// torch.nn.init's own helpers.
type fixture struct {
	Gains []struct {
		Name  string   `json:"name"`
		Param *float64 `json:"param"`
		Gain  float64  `json:"gain"`
	} `json:"gains"`
	Fans []struct {
		Shape  []int `json:"shape"`
		FanIn  int   `json:"fan_in"`
		FanOut int   `json:"fan_out"`
	} `json:"fans"`
	Cases []initCase `json:"cases"`
}

// initCase is one initialiser call with the distribution PyTorch's
// formulas give: "uniform" on [A, B], "normal" N(M, S²), or "trunc" (a
// truncated normal on [A, B] with mean M and variance Var).
type initCase struct {
	Fn           string  `json:"fn"`
	Shape        []int   `json:"shape"`
	Lo           float64 `json:"lo"`
	Hi           float64 `json:"hi"`
	Mean         float64 `json:"mean"`
	Std          float64 `json:"std"`
	Gain         float64 `json:"gain"`
	AParam       float64 `json:"a_param"`
	Mode         string  `json:"mode"`
	Nonlinearity string  `json:"nonlinearity"`
	Dist         string  `json:"dist"`
	A            float64 `json:"a"`
	B            float64 `json:"b"`
	M            float64 `json:"m"`
	S            float64 `json:"s"`
	Var          float64 `json:"var"`
}

func load(t *testing.T) fixture {
	t.Helper()
	raw, err := os.ReadFile("testdata/init.json")
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestGainMatchesPyTorch(t *testing.T) {
	f := load(t)
	if len(f.Gains) < 12 {
		t.Fatalf("only %d gains in the fixture", len(f.Gains))
	}
	for _, c := range f.Gains {
		p := math.NaN() // PyTorch's param=None
		if c.Param != nil {
			p = *c.Param
		}
		got, err := initializer.Gain(c.Name, p)
		if err != nil || math.Abs(got-c.Gain) > 1e-15 {
			t.Errorf("Gain(%q, %v) = %v, %v; PyTorch gives %v", c.Name, p, got, err, c.Gain)
		}
	}
	if _, err := initializer.Gain("swish", 0); err == nil || !strings.Contains(err.Error(), `unsupported nonlinearity "swish"`) {
		t.Errorf("unknown nonlinearity: %v", err)
	}
}

func TestFansMatchPyTorch(t *testing.T) {
	for _, c := range load(t).Fans {
		fi, fo, err := initializer.Fans(ember.Zeros(c.Shape))
		if err != nil || fi != c.FanIn || fo != c.FanOut {
			t.Errorf("Fans(%v) = %d, %d, %v; PyTorch gives %d, %d", c.Shape, fi, fo, err, c.FanIn, c.FanOut)
		}
	}
	for _, shape := range [][]int{{3}, {}} {
		if _, _, err := initializer.Fans(ember.Zeros(shape)); err == nil || !strings.Contains(err.Error(), "fewer than 2 dimensions") {
			t.Errorf("Fans(%v): error %v", shape, err)
		}
	}
}

// apply runs the initialiser a case names on t.
func apply(c initCase, w *ember.Tensor, g *ember.Generator) error {
	mode := initializer.FanIn
	if c.Mode == "fan_out" {
		mode = initializer.FanOut
	}
	var err error
	switch c.Fn {
	case "uniform":
		initializer.Uniform(w, c.Lo, c.Hi, g)
	case "normal":
		initializer.Normal(w, c.Mean, c.Std, g)
	case "xavier_uniform":
		_, err = initializer.XavierUniform(w, c.Gain, g)
	case "xavier_normal":
		_, err = initializer.XavierNormal(w, c.Gain, g)
	case "kaiming_uniform":
		_, err = initializer.KaimingUniform(w, c.AParam, mode, c.Nonlinearity, g)
	case "kaiming_normal":
		_, err = initializer.KaimingNormal(w, c.AParam, mode, c.Nonlinearity, g)
	case "trunc_normal":
		initializer.TruncNormal(w, c.Mean, c.Std, c.Lo, c.Hi, g)
	default:
		return fmt.Errorf("unknown initialiser %q", c.Fn)
	}
	return err
}

// moments returns the sample mean and (biased) variance.
func moments(v []float64) (mean, variance float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		variance += (x - mean) * (x - mean)
	}
	return mean, variance / float64(len(v))
}

// TestDistributionsMatchPyTorchFormulas draws from every initialiser and
// checks bounds exactly and mean and variance to five standard errors
// against the values PyTorch's formulas give.
func TestDistributionsMatchPyTorchFormulas(t *testing.T) {
	for i, c := range load(t).Cases {
		name := fmt.Sprintf("%d:%s%v", i, c.Fn, c.Shape)
		w := ember.Zeros(c.Shape).SetRequiresGrad(true)
		if err := apply(c, w, ember.NewGenerator(uint64(100+i))); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !w.IsLeaf() || !w.RequiresGrad() {
			t.Errorf("%s: initialisation must leave a leaf that requires gradients", name)
		}
		v := w.Float64s()
		n := float64(len(v))
		mean, variance := moments(v)
		lo, hi := slices.Min(v), slices.Max(v)
		var wantMean, wantVar, sdVar float64
		switch c.Dist {
		case "uniform":
			if lo < float64(float32(c.A)) || hi > float64(float32(c.B)) {
				t.Errorf("%s: values span [%v, %v], outside [%v, %v]", name, lo, hi, c.A, c.B)
			}
			if span := c.B - c.A; lo > c.A+span*20/n || hi < c.B-span*20/n {
				t.Errorf("%s: values span [%v, %v], never near the bounds [%v, %v]", name, lo, hi, c.A, c.B)
			}
			w := c.B - c.A
			wantMean, wantVar, sdVar = (c.A+c.B)/2, w*w/12, w*w/math.Sqrt(180)
		case "normal":
			wantMean, wantVar, sdVar = c.M, c.S*c.S, math.Sqrt2*c.S*c.S
		case "trunc":
			if lo < c.A || hi > c.B {
				t.Errorf("%s: values span [%v, %v], outside [%v, %v]", name, lo, hi, c.A, c.B)
			}
			// A truncated normal's kurtosis is at most the normal's.
			wantMean, wantVar, sdVar = c.M, c.Var, math.Sqrt2*c.Var
		}
		if d := math.Abs(mean - wantMean); d > 5*math.Sqrt(wantVar/n) {
			t.Errorf("%s: mean %.5g, want %.5g", name, mean, wantMean)
		}
		if d := math.Abs(variance - wantVar); d > 5*sdVar/math.Sqrt(n) {
			t.Errorf("%s: variance %.5g, want %.5g", name, variance, wantVar)
		}
	}
}

func TestSeededAndDeterministic(t *testing.T) {
	draw := func(seed uint64) []float32 {
		w := ember.Zeros([]int{8, 5})
		if _, err := initializer.KaimingUniform(w, math.Sqrt(5), initializer.FanIn, "leaky_relu", ember.NewGenerator(seed)); err != nil {
			t.Fatal(err)
		}
		return w.Float32s()
	}
	if !slices.Equal(draw(3), draw(3)) {
		t.Error("the same seed must give the same values")
	}
	if slices.Equal(draw(3), draw(4)) {
		t.Error("different seeds gave the same values")
	}
}

// TestOrthogonal checks WᵀW = gain²·I for tall and square weights and
// WWᵀ = gain²·I for wide ones (rows × the product of the other dims),
// shapes kept.
func TestOrthogonal(t *testing.T) {
	for _, c := range []struct {
		shape []int
		gain  float64
	}{{[]int{5, 3}, 1}, {[]int{3, 5}, 1}, {[]int{6, 6}, 2}, {[]int{4, 2, 3, 3}, 1.5}, {[]int{40, 10}, 1}, {[]int{1, 7}, 3}} {
		w := ember.Zeros(c.shape, ember.Float64)
		if _, err := initializer.Orthogonal(w, c.gain, ember.NewGenerator(9)); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(w.Shape(), c.shape) {
			t.Fatalf("shape %v became %v", c.shape, w.Shape())
		}
		rows := c.shape[0]
		cols := w.Numel() / rows
		v := w.Float64s()
		at := func(i, j int) float64 { return v[i*cols+j] }
		// Gram matrix over the smaller side.
		k, tall := min(rows, cols), rows >= cols
		for i := range k {
			for j := range k {
				dot := 0.0
				if tall {
					for r := range rows {
						dot += at(r, i) * at(r, j)
					}
				} else {
					for col := range cols {
						dot += at(i, col) * at(j, col)
					}
				}
				want := 0.0
				if i == j {
					want = c.gain * c.gain
				}
				if math.Abs(dot-want) > 1e-12 {
					t.Fatalf("%v gain %v: Gram[%d][%d] = %v, want %v", c.shape, c.gain, i, j, dot, want)
				}
			}
		}
	}
	w32 := ember.Zeros([]int{16, 8})
	if _, err := initializer.Orthogonal(w32, 1); err != nil || w32.DType() != ember.Float32 {
		t.Fatalf("float32: %v %v", err, w32.DType())
	}
	if _, err := initializer.Orthogonal(ember.Zeros([]int{4}), 1); err == nil || !strings.Contains(err.Error(), "only tensors with 2 or more dimensions are supported") {
		t.Errorf("1-D: %v", err)
	}
}

func TestConstantsAndErrors(t *testing.T) {
	w := ember.Zeros([]int{2, 3}).SetRequiresGrad(true)
	if initializer.Constant(w, 0.25) != w || !slices.Equal(w.Float32s(), []float32{0.25, 0.25, 0.25, 0.25, 0.25, 0.25}) {
		t.Fatalf("Constant: %v", w.Float32s())
	}
	if initializer.Ones(w); !slices.Equal(w.Float32s(), []float32{1, 1, 1, 1, 1, 1}) {
		t.Fatalf("Ones: %v", w.Float32s())
	}
	if initializer.Zeros(w); !slices.Equal(w.Float32s(), make([]float32, 6)) {
		t.Fatalf("Zeros: %v", w.Float32s())
	}
	if !w.IsLeaf() {
		t.Fatal("filling must not record a graph")
	}
	if _, err := initializer.XavierUniform(ember.Zeros([]int{3}), 1); err == nil {
		t.Error("XavierUniform of a 1-D tensor must fail")
	}
	if _, err := initializer.KaimingNormal(ember.Zeros([]int{0, 3}), 0, initializer.FanOut, "relu"); err == nil || !strings.Contains(err.Error(), "empty tensor") {
		t.Errorf("KaimingNormal of an empty tensor: %v", err)
	}
	if _, err := initializer.KaimingUniform(ember.Zeros([]int{2, 3}), 0, initializer.FanIn, "cube"); err == nil {
		t.Error("an unknown nonlinearity must fail")
	}
	if err := ember.Catch(func() { initializer.TruncNormal(ember.Zeros([]int{3}), 0, 1, 1, -1) }); err == nil || !strings.Contains(err.Error(), "need lo <= hi") {
		t.Errorf("TruncNormal with lo > hi: %v", err)
	}
	c := ember.Zeros([]int{3})
	if initializer.TruncNormal(c, 5, 0, -1, 2); !slices.Equal(c.Float32s(), []float32{2, 2, 2}) {
		t.Errorf("TruncNormal with std 0 must give the clamped mean: %v", c.Float32s())
	}
}
