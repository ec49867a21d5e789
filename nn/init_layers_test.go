package nn

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/emberdl/ember"
)

// initFixture is testdata/init_layers.json (testdata/gen/nn_init_layers.py):
// the default distribution of each parameter and buffer of a layer, from
// PyTorch's reset_parameters.
type initFixture struct {
	Layers []struct {
		Layer  string    `json:"layer"`
		Args   layerArgs `json:"args"`
		Keys   []string  `json:"keys"`
		Params map[string]struct {
			Dist    string  `json:"dist"`
			Bound   float64 `json:"bound"`
			Mean    float64 `json:"mean"`
			Std     float64 `json:"std"`
			Value   float64 `json:"value"`
			ZeroRow *int    `json:"zero_row"`
		} `json:"params"`
	} `json:"layers"`
}

// TestDefaultInitMatchesPyTorch builds each layer as the golden tests do,
// with a seeded generator, and checks its state-dict keys (in PyTorch's
// order) and the distribution of every tensor: uniform bounds exactly
// (with mean and variance statistically for large tensors), normal mean
// and standard deviation, constants exactly.
func TestDefaultInitMatchesPyTorch(t *testing.T) {
	raw, err := os.ReadFile("testdata/init_layers.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx initFixture
	if err := json.Unmarshal(raw, &fx); err != nil {
		t.Fatal(err)
	}
	for i, l := range fx.Layers {
		t.Run(fmt.Sprintf("%d_%s", i, l.Layer), func(t *testing.T) {
			m := builders[l.Layer](l.Args, []ember.Option{ember.CPU, ember.NewGenerator(uint64(50 + i))}).module
			if got := stateKeys(m); !slices.Equal(got, l.Keys) {
				t.Fatalf("keys %v, PyTorch has %v", got, l.Keys)
			}
			sd := StateMap(m)
			for key, d := range l.Params {
				x := sd[key]
				switch d.Dist {
				case "uniform":
					if x.Numel() >= 1000 {
						checkUniform(t, key, x, d.Bound)
					} else {
						checkBounded(t, key, x, d.Bound)
					}
				case "normal":
					v := x.Float64s()
					if d.ZeroRow != nil {
						dim := x.Size(1)
						row := v[*d.ZeroRow*dim : (*d.ZeroRow+1)*dim]
						if slices.ContainsFunc(row, func(e float64) bool { return e != 0 }) {
							t.Fatalf("%s: row %d = %v, want zeros", key, *d.ZeroRow, row)
						}
						v = slices.Concat(v[:*d.ZeroRow*dim], v[(*d.ZeroRow+1)*dim:])
					}
					n := float64(len(v))
					mean, sq := 0.0, 0.0
					for _, e := range v {
						mean += e
					}
					mean /= n
					for _, e := range v {
						sq += (e - mean) * (e - mean)
					}
					std := math.Sqrt(sq / n)
					if math.Abs(mean-d.Mean) > 5*d.Std/math.Sqrt(n) || math.Abs(std-d.Std) > 5*d.Std/math.Sqrt(2*n) {
						t.Fatalf("%s: mean %.4f std %.4f, want N(%v, %v²)", key, mean, std, d.Mean, d.Std)
					}
				case "constant":
					for _, e := range x.Float64s() {
						if e != d.Value {
							t.Fatalf("%s = %v, want all %v", key, x.Float64s(), d.Value)
						}
					}
				default:
					t.Fatalf("%s: unknown distribution %q", key, d.Dist)
				}
			}
		})
	}
}
