package amp

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// TestStateJSON checks PyTorch's state_dict keys and a round trip.
func TestStateJSON(t *testing.T) {
	s := NewGradScaler(ScalerOptions{InitScale: 512, GrowthFactor: 4, BackoffFactor: 0.25, GrowthInterval: 5})
	for range 3 {
		_, opt := oneParam(1)
		s.Step(opt)
		s.Update()
	}
	raw, err := json.Marshal(s.State())
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"scale":512,"growth_factor":4,"backoff_factor":0.25,"growth_interval":5,"_growth_tracker":3}`
	if string(raw) != want {
		t.Fatalf("state JSON %s, want %s", raw, want)
	}
	var st ScalerState
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	r := NewGradScaler(ScalerOptions{})
	if err := r.LoadState(st); err != nil {
		t.Fatal(err)
	}
	if r.State() != s.State() {
		t.Fatalf("loaded %+v, want %+v", r.State(), s.State())
	}
}

// TestResume checks that a scaler restored from a checkpoint continues
// exactly as the original.
func TestResume(t *testing.T) {
	overflow := []bool{false, false, true, false, false, false, false, true, false, false, false}
	iterate := func(s *GradScaler, over bool) {
		g := float32(1)
		if over {
			g = float32(math.Inf(1))
		}
		_, opt := oneParam(g)
		s.Step(opt)
		s.Update()
	}
	a := NewGradScaler(ScalerOptions{GrowthInterval: 3})
	for _, o := range overflow[:5] {
		iterate(a, o)
	}
	b := NewGradScaler(ScalerOptions{})
	if err := b.LoadState(a.State()); err != nil {
		t.Fatal(err)
	}
	for i, o := range overflow[5:] {
		iterate(a, o)
		iterate(b, o)
		if a.State() != b.State() {
			t.Fatalf("iteration %d after resuming: %+v, original %+v", i+5, b.State(), a.State())
		}
	}
}

// TestLoadStateRejects checks that bad checkpoints are refused with a
// message naming the field, leaving the scaler unchanged.
func TestLoadStateRejects(t *testing.T) {
	good := ScalerState{Scale: 1024, GrowthFactor: 2, BackoffFactor: 0.5, GrowthInterval: 10, GrowthTracker: 3}
	cases := []struct {
		name string
		edit func(*ScalerState)
		want string
	}{
		{"zero scale", func(s *ScalerState) { s.Scale = 0 }, "the scale must be a positive number"},
		{"NaN scale", func(s *ScalerState) { s.Scale = math.NaN() }, "the scale must be a positive number"},
		{"infinite scale", func(s *ScalerState) { s.Scale = math.Inf(1) }, "the scale must be a positive number"},
		{"scale beyond float32", func(s *ScalerState) { s.Scale = 1e300 }, "within float32's range"},
		{"scale below float32", func(s *ScalerState) { s.Scale = 1e-300 }, "within float32's range"},
		{"growth factor", func(s *ScalerState) { s.GrowthFactor = 0.5 }, "the growth factor must be a finite number > 1.0, got 0.5"},
		{"backoff factor", func(s *ScalerState) { s.BackoffFactor = 2 }, "the backoff factor must be in (0, 1), got 2"},
		{"interval", func(s *ScalerState) { s.GrowthInterval = 0 }, "the growth interval must be positive, got 0"},
		{"negative tracker", func(s *ScalerState) { s.GrowthTracker = -1 }, "the growth tracker must be in [0, 10), got -1"},
		{"tracker at the interval", func(s *ScalerState) { s.GrowthTracker = 10 }, "the growth tracker must be in [0, 10), got 10"},
	}
	for _, c := range cases {
		s := NewGradScaler(ScalerOptions{})
		before := s.State()
		st := good
		c.edit(&st)
		err := s.LoadState(st)
		if err == nil || !strings.HasPrefix(err.Error(), "amp: loading GradScaler state: ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", c.name, err, c.want)
		}
		if s.State() != before {
			t.Errorf("%s: a refused state changed the scaler", c.name)
		}
	}
	// Fields missing from a JSON checkpoint are zero and refused too.
	var st ScalerState
	if err := json.Unmarshal([]byte(`{"scale": 1024}`), &st); err != nil {
		t.Fatal(err)
	}
	if err := NewGradScaler(ScalerOptions{}).LoadState(st); err == nil {
		t.Fatal("a state without factors was accepted")
	}
}
