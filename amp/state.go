package amp

import "fmt"

// ScalerState is a GradScaler's resumable state, for checkpoints. Its JSON
// keys are those of PyTorch's GradScaler.state_dict().
type ScalerState struct {
	Scale          float64 `json:"scale"`
	GrowthFactor   float64 `json:"growth_factor"`
	BackoffFactor  float64 `json:"backoff_factor"`
	GrowthInterval int     `json:"growth_interval"`
	// GrowthTracker counts the clean steps in a row since the scale last
	// changed.
	GrowthTracker int `json:"_growth_tracker"`
}

// State returns a snapshot of the scaler's state.
func (s *GradScaler) State() ScalerState {
	return ScalerState{
		Scale:          float64(s.scale),
		GrowthFactor:   s.growthFactor,
		BackoffFactor:  s.backoffFactor,
		GrowthInterval: s.growthInterval,
		GrowthTracker:  s.growthTracker,
	}
}

// LoadState restores a snapshot taken by State (possibly read from a
// file), after checking it: the factors and interval as NewGradScaler
// checks its options, and a growth count in [0, GrowthInterval). On error
// the scaler is unchanged. It does not change whether the scaler is
// enabled.
func (s *GradScaler) LoadState(st ScalerState) error {
	if err := checkSettings(st.Scale, st.GrowthFactor, st.BackoffFactor, st.GrowthInterval); err != nil {
		return fmt.Errorf("amp: loading GradScaler state: %w", err)
	}
	if st.GrowthTracker < 0 || st.GrowthTracker >= st.GrowthInterval {
		return fmt.Errorf("amp: loading GradScaler state: the growth tracker must be in [0, %d), got %d", st.GrowthInterval, st.GrowthTracker)
	}
	s.scale = float32(st.Scale)
	s.growthFactor, s.backoffFactor = st.GrowthFactor, st.BackoffFactor
	s.growthInterval, s.growthTracker = st.GrowthInterval, st.GrowthTracker
	return nil
}
