package nn

import (
	"fmt"
	"math"

	"github.com/emberdl/ember"
)

// checkDropoutP panics unless p is a probability.
func checkDropoutP(op string, p float64) {
	if p < 0 || p > 1 || math.IsNaN(p) {
		panic(valueErr(op, fmt.Sprintf("dropout probability has to be between 0 and 1, but got %v", p)))
	}
}

// Dropout zeroes each element with probability P during training and
// scales the others by 1/(1-P); in evaluation mode it returns its input
// (torch.nn.Dropout).
type Dropout struct {
	Mode
	P float64
	// Generator draws the masks; nil uses the default generator.
	Generator *ember.Generator `nn:"-"`
}

// NewDropout returns a Dropout layer with drop probability p in [0, 1]
// (PyTorch's default is 0.5).
func NewDropout(p float64) *Dropout {
	checkDropoutP("nn.NewDropout", p)
	return &Dropout{P: p}
}

// Forward applies dropout in training mode and is the identity otherwise.
func (d *Dropout) Forward(x *ember.Tensor) *ember.Tensor {
	return traced(d, ember.Dropout(x, d.P, d.Training(), gens(d.Generator)...))
}

// Dropout2d zeroes whole channels (each [H, W] plane of [N, C, H, W], or of
// unbatched [C, H, W]) with probability P during training
// (torch.nn.Dropout2d).
type Dropout2d struct {
	Mode
	P         float64
	Generator *ember.Generator `nn:"-"` // draws the masks; nil uses the default generator
}

// NewDropout2d returns a Dropout2d layer with drop probability p.
func NewDropout2d(p float64) *Dropout2d {
	checkDropoutP("nn.NewDropout2d", p)
	return &Dropout2d{P: p}
}

// Forward applies channel dropout in training mode and is the identity
// otherwise.
func (d *Dropout2d) Forward(x *ember.Tensor) *ember.Tensor {
	return traced(d, ember.Dropout2d(x, d.P, d.Training(), gens(d.Generator)...))
}

// gens turns an optional generator into the variadic argument of the
// functional ops.
func gens(g *ember.Generator) []*ember.Generator {
	if g == nil {
		return nil
	}
	return []*ember.Generator{g}
}
