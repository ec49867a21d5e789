package tensorfmt

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
)

// goldenCase is one entry of testdata/golden.json, written by
// testdata/gen/make_golden.py from PyTorch 1.13's repr().
type goldenCase struct {
	Name         string          `json:"name"`
	Shape        []int           `json:"shape"`
	Kind         string          `json:"kind"`
	DType        string          `json:"dtype"`
	Data         string          `json:"data"`
	RequiresGrad bool            `json:"requires_grad"`
	GradFn       string          `json:"grad_fn"`
	Device       string          `json:"device"`
	Options      json.RawMessage `json:"options"`
	Want         string          `json:"want"`
}

// tensor builds the Tensor description of a golden case from its data.
func (c *goldenCase) tensor(t *testing.T) Tensor {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(c.Data)
	if err != nil {
		t.Fatalf("%s: %v", c.Name, err)
	}
	tt := Tensor{Shape: c.Shape, DType: c.DType, RequiresGrad: c.RequiresGrad, GradFn: c.GradFn, Device: c.Device}
	switch c.Kind {
	case "float":
		tt.Kind = Float
		tt.At = func(i int) float64 { return math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:])) }
	case "int":
		tt.Kind = Int
		tt.AtInt = func(i int) int64 { return int64(binary.LittleEndian.Uint64(raw[8*i:])) }
		tt.At = func(i int) float64 { return float64(tt.AtInt(i)) }
	case "bool":
		tt.Kind = Bool
		tt.At = func(i int) float64 { return float64(raw[i]) }
	default:
		t.Fatalf("%s: unknown kind %q", c.Name, c.Kind)
	}
	return tt
}

// options applies the case's print options over the defaults.
func (c *goldenCase) options(t *testing.T) Options {
	t.Helper()
	var js struct {
		Precision *int  `json:"precision"`
		Threshold *int  `json:"threshold"`
		EdgeItems *int  `json:"edgeitems"`
		LineWidth *int  `json:"linewidth"`
		SciMode   *bool `json:"sci_mode"`
	}
	if err := json.Unmarshal(c.Options, &js); err != nil {
		t.Fatalf("%s: %v", c.Name, err)
	}
	o := DefaultOptions()
	for _, f := range []struct {
		src *int
		dst *int
	}{{js.Precision, &o.Precision}, {js.Threshold, &o.Threshold}, {js.EdgeItems, &o.EdgeItems}, {js.LineWidth, &o.LineWidth}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	if js.SciMode != nil {
		o.SciMode = SciOff
		if *js.SciMode {
			o.SciMode = SciOn
		}
	}
	return o
}

func TestGolden(t *testing.T) {
	b, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []goldenCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 60 {
		t.Fatalf("only %d golden cases", len(cases))
	}
	for _, c := range cases {
		tt := c.tensor(t)
		got := c.options(t).Format(tt)
		if got != c.Want {
			t.Errorf("%s:\n got: %s\nwant: %s", c.Name, got, c.Want)
		}
	}
}

// TestReadsOnlyShownElements checks that a summarised tensor's accessor is
// called only for the 36 elements at its edges: once to measure them and once
// to print them.
func TestReadsOnlyShownElements(t *testing.T) {
	calls := 0
	tt := Tensor{Shape: []int{1000, 1000}, At: func(i int) float64 {
		calls++
		if r, c := i/1000, i%1000; (r >= 3 && r < 997) || (c >= 3 && c < 997) {
			t.Fatalf("read hidden element %d", i)
		}
		return float64(i % 7)
	}}
	s := Format(tt)
	if !strings.HasPrefix(s, "tensor([[0., 1., 2.,  ..., 3., 4., 5.],") || calls != 2*36 {
		t.Errorf("Format = %q after %d reads", s, calls)
	}
}

func TestPanics(t *testing.T) {
	for _, tt := range []Tensor{
		{Shape: []int{2, -1}, At: func(int) float64 { return 0 }},
		{Shape: []int{2}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Format(%+v) did not panic", tt.Shape)
				}
			}()
			Format(tt)
		}()
	}
}

func TestPyTuple(t *testing.T) {
	for _, c := range []struct {
		shape []int
		want  string
	}{{nil, "()"}, {[]int{0}, "(0,)"}, {[]int{2, 0, 3}, "(2, 0, 3)"}} {
		if got := pyTuple(c.shape); got != c.want {
			t.Errorf("pyTuple(%v) = %q, want %q", c.shape, got, c.want)
		}
	}
}

func ExampleFormat() {
	data := []float64{1.5, -2, 0.25, 100, 3, 1e-3}
	fmt.Println(Format(Tensor{
		Shape:  []int{2, 3},
		Kind:   Float,
		At:     func(i int) float64 { return data[i] },
		GradFn: "AddBackward0",
	}))
	fmt.Println(Format(Tensor{Shape: []int{0, 3}}))
	fmt.Println(Format(Tensor{Shape: []int{4}, Kind: Int, DType: "int32", At: func(i int) float64 { return float64(i * i) }}))
	// Output:
	// tensor([[ 1.5000e+00, -2.0000e+00,  2.5000e-01],
	//         [ 1.0000e+02,  3.0000e+00,  1.0000e-03]], grad_fn=<AddBackward0>)
	// tensor([], size=(0, 3))
	// tensor([0, 1, 4, 9], dtype=torch.int32)
}
