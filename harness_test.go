package ember

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/emberdl/ember/internal/fixture"
)

// ---------------------------------------------------------------------------
// Devices of the conformance suite.

// testDevices lists the devices every op test runs on: the CPU, and each
// other registered device that is available on this machine.
func testDevices() []Device {
	devs := []Device{CPU}
	if Available(CUDA) == nil {
		devs = append(devs, CUDA)
	}
	return devs
}

// ---------------------------------------------------------------------------
// Comparing tensors.

// approxEqual compares a tensor with expected values; NaN matches NaN and
// infinities must match exactly.
func approxEqual(got *Tensor, want []float64, rtol, atol float64) (bool, string) {
	g := got.Float64s()
	if len(g) != len(want) {
		return false, fmt.Sprintf("got %d elements, want %d", len(g), len(want))
	}
	for i := range g {
		a, b := g[i], want[i]
		switch {
		case math.IsNaN(b):
			if !math.IsNaN(a) {
				return false, fmt.Sprintf("element %d: got %v, want NaN", i, a)
			}
		case math.IsInf(b, 0):
			if a != b {
				return false, fmt.Sprintf("element %d: got %v, want %v", i, a, b)
			}
		default:
			if math.IsNaN(a) || math.Abs(a-b) > atol+rtol*math.Abs(b) {
				return false, fmt.Sprintf("element %d: got %.9g, want %.9g (|diff| %.3g > %.3g)", i, a, b, math.Abs(a-b), atol+rtol*math.Abs(b))
			}
		}
	}
	return true, ""
}

func assertClose(t *testing.T, what string, got *Tensor, wantShape []int, want []float64, rtol, atol float64) {
	t.Helper()
	if !slices.Equal(got.Shape(), wantShape) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape(), wantShape)
	}
	if ok, msg := approxEqual(got, want, rtol, atol); !ok {
		t.Fatalf("%s: %s", what, msg)
	}
}

// ---------------------------------------------------------------------------
// Golden fixtures written by PyTorch (testdata/gen/*.py).

// goldenTensor is one tensor of a fixture.
type goldenTensor = fixture.Tensor

// goldenTensorOn builds the fixture tensor g on dev. Non-contiguous layouts
// are made by the case's "layout" flag (see goldenCase).
func goldenTensorOn(g *goldenTensor, dev Device) *Tensor {
	dt, err := ParseDType(g.DType)
	if err != nil {
		panic(err)
	}
	return FromSlice(g.Values(), g.Shape...).Reshape(g.Shape...).To(dt, dev)
}

// goldenCase is one op application: inputs, arguments, the output, the
// gradient of (output * grad_output).sum() with respect to each input
// (null for inputs without one).
type goldenCase struct {
	Name       string          `json:"name"`
	Op         string          `json:"op"`
	Args       json.RawMessage `json:"args"`
	Inputs     []goldenTensor  `json:"inputs"`
	Output     *goldenTensor   `json:"output"`
	Outputs    []goldenTensor  `json:"outputs"` // for ops with several results
	GradOutput *goldenTensor   `json:"grad_output"`
	Grads      []*goldenTensor `json:"grads"`
	RTol       float64         `json:"rtol"`
	ATol       float64         `json:"atol"`
	// NonContiguous asks the test to feed inputs through a transposed copy,
	// so kernels see non-contiguous strides with the same values.
	NonContiguous bool `json:"noncontiguous"`
}

// goldenArgs gives an op its arguments from the fixture.
type goldenArgs = fixture.Args

// argsDevice returns the device a case runs on (argument "__device").
func argsDevice(a goldenArgs) Device {
	d, err := ParseDevice(a.String("__device", "cpu"))
	if err != nil {
		panic(err)
	}
	return d
}

// goldenOp applies an op named in fixtures to its inputs; ops with several
// results return them all.
type goldenOp func(args goldenArgs, in []*Tensor) []*Tensor

var (
	goldenOpsMu sync.Mutex
	goldenOps   = map[string]goldenOp{}
)

// registerGolden makes an op available to fixtures (called from init in the
// op families' test files).
func registerGolden(name string, f goldenOp) {
	goldenOpsMu.Lock()
	defer goldenOpsMu.Unlock()
	if _, dup := goldenOps[name]; dup {
		panic("golden op registered twice: " + name)
	}
	goldenOps[name] = f
}

// one wraps a single-result op.
func one(f func(a goldenArgs, in []*Tensor) *Tensor) goldenOp {
	return func(a goldenArgs, in []*Tensor) []*Tensor { return []*Tensor{f(a, in)} }
}

func loadGolden(t *testing.T) map[string][]goldenCase {
	files, err := filepath.Glob("testdata/golden/*.json")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]goldenCase{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Cases []goldenCase `json:"cases"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[filepath.Base(f)] = doc.Cases
	}
	return out
}

// nonContiguous returns a tensor equal to x whose memory is laid out
// transposed (or, for 1-D, strided), to exercise strided kernels.
func nonContiguous(x *Tensor) *Tensor {
	switch {
	case x.Dim() >= 2:
		return x.Transpose(0, x.Dim()-1).Contiguous().Transpose(0, x.Dim()-1)
	case x.Dim() == 1 && x.Numel() > 0:
		return Stack([]*Tensor{x, x}, 1).Select(1, 0)
	}
	return x
}

func runGoldenCase(t *testing.T, c goldenCase, dev Device) {
	op, ok := goldenOps[c.Op]
	if !ok {
		t.Fatalf("fixture op %q has no registered Go implementation", c.Op)
	}
	args := goldenArgs{}
	if len(c.Args) > 0 {
		if err := json.Unmarshal(c.Args, &args); err != nil {
			t.Fatal(err)
		}
	}
	// Ops without tensor inputs (creation) learn the device from here.
	args["__device"] = json.RawMessage(`"` + dev.String() + `"`)
	rtol, atol := c.RTol, c.ATol
	if rtol == 0 && atol == 0 {
		rtol, atol = 1e-5, 1e-6
	}
	ins := make([]*Tensor, len(c.Inputs))
	for i := range c.Inputs {
		x := goldenTensorOn(&c.Inputs[i], dev)
		if c.NonContiguous {
			x = nonContiguous(x)
		}
		if i < len(c.Grads) && c.Grads[i] != nil {
			x = x.Detach()
			x.isView = false
			x.SetRequiresGrad(true)
		}
		ins[i] = x
	}
	outs := op(args, ins)
	wants := c.Outputs
	if c.Output != nil {
		wants = []goldenTensor{*c.Output}
	}
	if len(outs) < len(wants) {
		t.Fatalf("op returned %d results, fixture has %d", len(outs), len(wants))
	}
	for i, w := range wants {
		wantDT, _ := ParseDType(w.DType)
		if outs[i].DType() != wantDT {
			t.Fatalf("result %d: dtype %v, want %v", i, outs[i].DType(), wantDT)
		}
		if outs[i].Device() != dev {
			t.Fatalf("result %d on %v, want %v", i, outs[i].Device(), dev)
		}
		shape := w.Shape
		if shape == nil {
			shape = []int{}
		}
		assertClose(t, fmt.Sprintf("result %d", i), outs[i], shape, w.Values(), rtol, atol)
	}
	if len(c.Grads) == 0 {
		return
	}
	out := outs[0]
	go_ := goldenTensorOn(c.GradOutput, dev)
	out.Backward(WithGradient(go_.To(out.DType())))
	for i, wg := range c.Grads {
		if wg == nil {
			continue
		}
		g := ins[i].Grad()
		if g == nil {
			t.Fatalf("input %d: no gradient, want one", i)
		}
		shape := wg.Shape
		if shape == nil {
			shape = []int{}
		}
		assertClose(t, fmt.Sprintf("grad of input %d", i), g, shape, wg.Values(), rtol*10, atol*10)
	}
}

// TestGolden runs every PyTorch fixture on every device.
func TestGolden(t *testing.T) {
	files := loadGolden(t)
	names := make([]string, 0, len(files))
	for f := range files {
		names = append(names, f)
	}
	sort.Strings(names)
	if len(names) == 0 {
		t.Fatal("no golden fixtures found in testdata/golden")
	}
	for _, dev := range testDevices() {
		for _, f := range names {
			for _, c := range files[f] {
				t.Run(dev.String()+"/"+strings.TrimSuffix(f, ".json")+"/"+c.Name, func(t *testing.T) {
					if err := Catch(func() { runGoldenCase(t, c, dev) }); err != nil {
						t.Fatal(err)
					}
				})
			}
		}
	}
}

// TestGoldenCoverage checks that every op of the documented list has a
// PyTorch fixture.
func TestGoldenCoverage(t *testing.T) {
	files := loadGolden(t)
	covered := map[string]bool{}
	for _, cs := range files {
		for _, c := range cs {
			covered[c.Op] = true
		}
	}
	var missing []string
	for op := range goldenOps {
		if !covered[op] {
			missing = append(missing, op)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("ops registered for golden tests but with no fixture case: %v", missing)
	}
}

// ---------------------------------------------------------------------------
// Finite-difference gradient checks.

// gradCase is one gradient check: f maps float64 inputs to an output.
type gradCase struct {
	name   string
	inputs func() []*Tensor // fresh float64 inputs; those requiring grad are checked
	f      func(in []*Tensor) *Tensor
	atol   float64
	rtol   float64
	eps    float64
	// secondOrder also checks the gradient of the gradient.
	secondOrder bool
}

var gradCases []gradCase

// addGradCheck registers a check (from init in op families' test files).
func addGradCheck(c gradCase) { gradCases = append(gradCases, c) }

// randT returns a float64 tensor with values in [lo, hi) requiring grad,
// from a fixed test seed.
func randT(seed uint64, lo, hi float64, shape ...int) *Tensor {
	r := rand.New(rand.NewPCG(seed, 7))
	v := make([]float64, 1)
	n := 1
	for _, s := range shape {
		n *= s
	}
	v = make([]float64, n)
	for i := range v {
		v[i] = lo + (hi-lo)*r.Float64()
	}
	return FromSlice(v).Reshape(shape...).SetRequiresGrad(true)
}

// collectNodeNames walks the graph below t.
func collectNodeNames(t *Tensor, into map[string]bool) {
	seen := map[*node]bool{}
	var walk func(n *node)
	walk = func(n *node) {
		if n == nil || seen[n] {
			return
		}
		seen[n] = true
		into[n.name] = true
		for _, in := range n.inputs {
			if in != nil {
				walk(in.node)
			}
		}
	}
	walk(t.node)
}

// numericGrad returns d(sum(f(x)*w))/d x_i by central differences.
func numericGrad(f func([]*Tensor) *Tensor, ins []*Tensor, w *Tensor, which int, eps float64) []float64 {
	x := ins[which]
	base := x.Detach().Float64s()
	out := make([]float64, len(base))
	eval := func(vals []float64) float64 {
		cp := make([]*Tensor, len(ins))
		copy(cp, ins)
		cp[which] = FromSlice(vals, x.shape...)
		var s float64
		NoGrad(func() { s = f(cp).Mul(w).Sum().Item() })
		return s
	}
	for i := range base {
		v := slices.Clone(base)
		v[i] = base[i] + eps
		fp := eval(v)
		v[i] = base[i] - eps
		fm := eval(v)
		out[i] = (fp - fm) / (2 * eps)
	}
	return out
}

func checkGradients(t *testing.T, c gradCase, seen map[string]bool) {
	eps, atol, rtol := c.eps, c.atol, c.rtol
	if eps == 0 {
		eps = 1e-6
	}
	if atol == 0 {
		atol = 1e-5
	}
	if rtol == 0 {
		rtol = 1e-3
	}
	ins := c.inputs()
	out := c.f(ins)
	if !out.RequiresGrad() {
		t.Fatalf("output does not require grad")
	}
	collectNodeNames(out, seen)
	w := randT(99, -1, 1, out.shape...).Detach()
	var wrt []*Tensor
	var idx []int
	for i, x := range ins {
		if x.RequiresGrad() {
			wrt = append(wrt, x)
			idx = append(idx, i)
		}
	}
	grads := Grad([]*Tensor{out}, wrt, WithGradient(w), CreateGraph(), AllowUnused())
	for k, i := range idx {
		num := numericGrad(c.f, ins, w, i, eps)
		g := grads[k]
		if g == nil {
			g = ZerosLike(ins[i])
		}
		if ok, msg := approxEqual(g, num, rtol, atol); !ok {
			t.Fatalf("gradient of input %d: %s\nanalytic %v\nnumeric  %v", i, msg, g.Float64s(), num)
		}
	}
	if !c.secondOrder {
		return
	}
	// Second order: check d/dx of sum(grad_x * v) numerically.
	for k, i := range idx {
		g := grads[k]
		if g == nil || !g.RequiresGrad() {
			continue
		}
		v := randT(123, -1, 1, g.shape...).Detach()
		collectNodeNames(g, seen)
		gg := Grad([]*Tensor{g}, []*Tensor{ins[i]}, WithGradient(v), AllowUnused(), RetainGraph())[0]
		if gg == nil {
			gg = ZerosLike(ins[i])
		}
		first := func(xs []*Tensor) *Tensor {
			var r *Tensor
			EnableGrad(func() {
				x := xs[i].Detach().SetRequiresGrad(true)
				cp := slices.Clone(xs)
				cp[i] = x
				r = Grad([]*Tensor{c.f(cp)}, []*Tensor{x}, WithGradient(w), AllowUnused())[0]
				if r == nil {
					r = ZerosLike(x)
				}
			})
			return r
		}
		num := numericGrad(first, ins, v, i, eps*10)
		if ok, msg := approxEqual(gg, num, rtol*10, atol*10); !ok {
			t.Fatalf("second-order gradient of input %d: %s", i, msg)
		}
	}
}

// gradNameRE finds grad_fn names in the package's source.
var gradNameRE = regexp.MustCompile(`"([A-Z][A-Za-z0-9]*Backward[0-9]*|CopySlices)"`)

// TestGradcheck runs every registered finite-difference check and then
// fails if some op that records a gradient (a grad_fn name appearing in the
// source) was never exercised by one.
func TestGradcheck(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range gradCases {
		t.Run(c.name, func(t *testing.T) {
			if err := Catch(func() { checkGradients(t, c, seen) }); err != nil {
				t.Fatal(err)
			}
		})
	}
	if t.Failed() || testing.Short() {
		return
	}
	files, _ := filepath.Glob("*.go")
	declared := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range gradNameRE.FindAllStringSubmatch(string(src), -1) {
			declared[m[1]] = true
		}
	}
	for _, name := range deviceOnlyGrads() {
		delete(declared, name)
	}
	var missing []string
	for name := range declared {
		if !seen[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("ops with a gradient that no gradcheck exercises: %v", missing)
	}
}
