package amp

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/optim"
)

// referenceStep is one iteration of a scenario of testdata/grad_scaler.json
// (written by testdata/gen/grad_scaler.py with PyTorch's GradScaler).
type referenceStep struct {
	Spike         bool     `json:"spike"`
	Inject        []string `json:"inject"` // parameter ("w" or "b") and value ("nan", "inf", "-inf")
	Clip          bool     `json:"clip"`
	ClipNorm      *float64 `json:"clip_norm"`
	Loss          *float64 `json:"loss"`
	Stepped       bool     `json:"stepped"`
	Scale         float64  `json:"scale"`
	GrowthTracker int      `json:"growth_tracker"`
}

type referenceScenario struct {
	Name          string             `json:"name"`
	Optimizer     string             `json:"optimizer"`
	OptimizerArgs map[string]float64 `json:"optimizer_args"`
	ScalerArgs    struct {
		InitScale      float64 `json:"init_scale"`
		GrowthFactor   float64 `json:"growth_factor"`
		BackoffFactor  float64 `json:"backoff_factor"`
		GrowthInterval int     `json:"growth_interval"`
	} `json:"scaler_args"`
	X, Y, W0, B0, W, B []float32
	Steps              []referenceStep `json:"steps"`
	StateDict          json.RawMessage `json:"state_dict"`
}

func loadReference(t *testing.T) []referenceScenario {
	t.Helper()
	raw, err := os.ReadFile("testdata/grad_scaler.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Scenarios []referenceScenario `json:"scenarios"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Scenarios) == 0 {
		t.Fatal("no scenarios in testdata/grad_scaler.json")
	}
	return doc.Scenarios
}

func relClose(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*max(1, math.Abs(want))
}

// withElement returns a copy of t with its first element replaced.
func withElement(t *ember.Tensor, v float32) *ember.Tensor {
	vals := t.Float32s()
	vals[0] = v
	return ember.FromSlice(vals, t.Shape()...)
}

// TestMatchesPyTorchGradScaler replays PyTorch's GradScaler trajectories:
// the same model, data, overflows and clipping give the same skipped
// steps, scales and growth counts exactly, the same losses, clip norms
// and parameters to float32 rounding, and the same state_dict.
func TestMatchesPyTorchGradScaler(t *testing.T) {
	for _, sc := range loadReference(t) {
		t.Run(sc.Name, func(t *testing.T) {
			x := ember.FromSlice(sc.X, 16, 4)
			y := ember.FromSlice(sc.Y, 16, 2)
			w := ember.FromSlice(sc.W0, 2, 4).SetRequiresGrad(true)
			b := ember.FromSlice(sc.B0, 2).SetRequiresGrad(true)
			params := []*ember.Tensor{w, b}
			var opt optim.Optimizer
			switch sc.Optimizer {
			case "SGD":
				opt = optim.NewSGD(params, optim.SGDOptions{LR: sc.OptimizerArgs["lr"], Momentum: sc.OptimizerArgs["momentum"]})
			case "Adam":
				opt = optim.NewAdam(params, optim.AdamOptions{LR: sc.OptimizerArgs["lr"]})
			default:
				t.Fatalf("unknown optimizer %q", sc.Optimizer)
			}
			a := sc.ScalerArgs
			s := NewGradScaler(ScalerOptions{InitScale: a.InitScale, GrowthFactor: a.GrowthFactor, BackoffFactor: a.BackoffFactor, GrowthInterval: a.GrowthInterval})
			for it, want := range sc.Steps {
				target := y
				if want.Spike {
					target = y.MulScalar(1e36)
				}
				opt.ZeroGrad()
				loss := ember.MSELoss(ember.Linear(x, w, b), target, ember.ReductionMean)
				s.Scale(loss).Backward()
				finite := w.Grad().IsFinite().All().Item() == 1 && b.Grad().IsFinite().All().Item() == 1
				if finite == want.Spike {
					t.Fatalf("iteration %d: finite gradients %v on a spike %v", it, finite, want.Spike)
				}
				if want.Loss != nil && !relClose(loss.Item(), *want.Loss, 1e-5) {
					t.Fatalf("iteration %d: loss %v, PyTorch %v", it, loss.Item(), *want.Loss)
				}
				if want.Inject != nil {
					v := map[string]float32{"nan": float32(math.NaN()), "inf": float32(math.Inf(1)), "-inf": float32(math.Inf(-1))}[want.Inject[1]]
					p := map[string]*ember.Tensor{"w": w, "b": b}[want.Inject[0]]
					p.SetGrad(withElement(p.Grad(), v))
				}
				if want.Clip {
					s.Unscale(opt)
					norm := optim.ClipGradNorm(opt.Params(), 1, 2)
					if want.ClipNorm != nil && !relClose(norm, *want.ClipNorm, 1e-5) {
						t.Fatalf("iteration %d: clipped norm %v, PyTorch %v", it, norm, *want.ClipNorm)
					}
				}
				if got := s.Step(opt); got != want.Stepped {
					t.Fatalf("iteration %d: stepped %v, PyTorch %v", it, got, want.Stepped)
				}
				s.Update()
				if st := s.State(); st.Scale != want.Scale || st.GrowthTracker != want.GrowthTracker {
					t.Fatalf("iteration %d: scale %v count %d, PyTorch %v count %d", it, st.Scale, st.GrowthTracker, want.Scale, want.GrowthTracker)
				}
			}
			for i, v := range w.Float32s() {
				if !relClose(float64(v), float64(sc.W[i]), 1e-5) {
					t.Fatalf("final w[%d] = %v, PyTorch %v", i, v, sc.W[i])
				}
			}
			for i, v := range b.Float32s() {
				if !relClose(float64(v), float64(sc.B[i]), 1e-5) {
					t.Fatalf("final b[%d] = %v, PyTorch %v", i, v, sc.B[i])
				}
			}
			var torchState ScalerState
			if err := json.Unmarshal(sc.StateDict, &torchState); err != nil {
				t.Fatal(err)
			}
			if s.State() != torchState {
				t.Fatalf("state %+v, PyTorch state_dict %+v", s.State(), torchState)
			}
		})
	}
}
