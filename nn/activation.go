package nn

import (
	"fmt"

	"github.com/emberdl/ember"
)

// The activation layers wrap the element-wise functions of the root package
// so they can sit in a Sequential or a model struct. They hold no
// parameters. Stateless ones carry a blank byte so that two instances have
// distinct addresses (modules are told apart by address; pointers to
// zero-size values may be equal).

// ReLU applies max(x, 0) (torch.nn.ReLU). With Inplace set it overwrites
// its input and returns it (torch.nn.ReLU(inplace=True)): no new
// activation is allocated, which suits a ReLU after a convolution or a
// linear layer (their backward passes read their inputs, not their
// outputs); as in PyTorch, a leaf that requires grad cannot be its input,
// and a graph that saved the input refuses to run backward.
type ReLU struct {
	Inplace bool
}

// NewReLU returns a ReLU layer.
func NewReLU() *ReLU { return &ReLU{} }

// NewReLUInplace returns a ReLU layer that works in place.
func NewReLUInplace() *ReLU { return &ReLU{Inplace: true} }

// Forward applies the activation.
func (l *ReLU) Forward(x *ember.Tensor) *ember.Tensor {
	if l.Inplace {
		return traced(l, x.ReluInPlace())
	}
	return traced(l, x.Relu())
}

// LeakyReLU applies x where x > 0 and NegativeSlope*x elsewhere
// (torch.nn.LeakyReLU; PyTorch's default slope is 0.01).
type LeakyReLU struct{ NegativeSlope float64 }

// NewLeakyReLU returns a LeakyReLU layer with the given negative slope.
func NewLeakyReLU(negativeSlope float64) *LeakyReLU { return &LeakyReLU{NegativeSlope: negativeSlope} }

// Forward applies the activation.
func (l *LeakyReLU) Forward(x *ember.Tensor) *ember.Tensor {
	return traced(l, x.LeakyRelu(l.NegativeSlope))
}

// ELU applies x where x > 0 and Alpha*(e^x - 1) elsewhere (torch.nn.ELU;
// PyTorch's default alpha is 1).
type ELU struct{ Alpha float64 }

// NewELU returns an ELU layer.
func NewELU(alpha float64) *ELU { return &ELU{Alpha: alpha} }

// Forward applies the activation.
func (l *ELU) Forward(x *ember.Tensor) *ember.Tensor { return traced(l, x.Elu(l.Alpha)) }

// SELU applies the self-normalising scale*ELU(x, alpha) (torch.nn.SELU).
type SELU struct{ _ byte }

// NewSELU returns a SELU layer.
func NewSELU() *SELU { return &SELU{} }

// Forward applies the activation.
func (l *SELU) Forward(x *ember.Tensor) *ember.Tensor { return traced(l, x.Selu()) }

// GELUApproximation chooses how GELU is computed, as PyTorch's approximate
// argument.
type GELUApproximation string

// GELU variants.
const (
	GELUExact GELUApproximation = "none" // x*Φ(x) with the exact normal CDF (PyTorch's default)
	GELUTanh  GELUApproximation = "tanh" // the tanh approximation
)

// GELU applies the Gaussian error linear unit (torch.nn.GELU).
type GELU struct{ Approximate GELUApproximation }

// NewGELU returns a GELU layer; approximate is GELUExact ("none") or
// GELUTanh ("tanh"). Other values panic with a *ember.ValueError.
func NewGELU(approximate GELUApproximation) *GELU {
	if approximate == "" {
		approximate = GELUExact
	}
	if approximate != GELUExact && approximate != GELUTanh {
		panic(valueErr("nn.NewGELU", fmt.Sprintf("approximate argument must be either none or tanh, got %q", string(approximate))))
	}
	return &GELU{Approximate: approximate}
}

// Forward applies the activation.
func (l *GELU) Forward(x *ember.Tensor) *ember.Tensor {
	switch l.Approximate {
	case GELUTanh:
		return traced(l, x.GeluTanh())
	case GELUExact, "":
		return traced(l, x.Gelu())
	}
	panic(valueErr("nn.GELU", fmt.Sprintf("approximate argument must be either none or tanh, got %q", string(l.Approximate))))
}

// SiLU applies x*sigmoid(x) (torch.nn.SiLU, also called swish).
type SiLU struct{ _ byte }

// NewSiLU returns a SiLU layer.
func NewSiLU() *SiLU { return &SiLU{} }

// Forward applies the activation.
func (l *SiLU) Forward(x *ember.Tensor) *ember.Tensor { return traced(l, x.Silu()) }

// Softplus applies log(1 + e^(Beta*x))/Beta, and x itself where
// Beta*x > Threshold (torch.nn.Softplus; PyTorch's defaults are 1 and 20).
type Softplus struct{ Beta, Threshold float64 }

// NewSoftplus returns a Softplus layer.
func NewSoftplus(beta, threshold float64) *Softplus {
	return &Softplus{Beta: beta, Threshold: threshold}
}

// Forward applies the activation.
func (l *Softplus) Forward(x *ember.Tensor) *ember.Tensor {
	return traced(l, x.Softplus(l.Beta, l.Threshold))
}

// Mish applies x*tanh(softplus(x)) (torch.nn.Mish).
type Mish struct{ _ byte }

// NewMish returns a Mish layer.
func NewMish() *Mish { return &Mish{} }

// Forward applies the activation.
func (l *Mish) Forward(x *ember.Tensor) *ember.Tensor { return traced(l, x.Mish()) }

// Hardtanh clamps x to [MinVal, MaxVal] (torch.nn.Hardtanh; PyTorch's
// defaults are -1 and 1).
type Hardtanh struct{ MinVal, MaxVal float64 }

// NewHardtanh returns a Hardtanh layer; minVal must not exceed maxVal.
func NewHardtanh(minVal, maxVal float64) *Hardtanh {
	if minVal > maxVal {
		panic(valueErr("nn.NewHardtanh", fmt.Sprintf("max_val (%v) must be greater than or equal to min_val (%v)", maxVal, minVal)))
	}
	return &Hardtanh{MinVal: minVal, MaxVal: maxVal}
}

// Forward applies the activation.
func (l *Hardtanh) Forward(x *ember.Tensor) *ember.Tensor {
	return traced(l, x.Hardtanh(l.MinVal, l.MaxVal))
}

// Sigmoid applies 1/(1 + e^-x) (torch.nn.Sigmoid).
type Sigmoid struct{ _ byte }

// NewSigmoid returns a Sigmoid layer.
func NewSigmoid() *Sigmoid { return &Sigmoid{} }

// Forward applies the activation.
func (l *Sigmoid) Forward(x *ember.Tensor) *ember.Tensor { return traced(l, x.Sigmoid()) }

// Tanh applies the hyperbolic tangent (torch.nn.Tanh).
type Tanh struct{ _ byte }

// NewTanh returns a Tanh layer.
func NewTanh() *Tanh { return &Tanh{} }

// Forward applies the activation.
func (l *Tanh) Forward(x *ember.Tensor) *ember.Tensor { return traced(l, x.Tanh()) }

// Softmax normalises x into probabilities along Dim (torch.nn.Softmax).
type Softmax struct{ Dim int }

// NewSoftmax returns a Softmax layer over axis dim (negative counts from
// the end).
func NewSoftmax(dim int) *Softmax { return &Softmax{Dim: dim} }

// Forward applies the softmax.
func (l *Softmax) Forward(x *ember.Tensor) *ember.Tensor { return traced(l, x.Softmax(l.Dim)) }

// LogSoftmax returns the logarithm of the softmax along Dim
// (torch.nn.LogSoftmax).
type LogSoftmax struct{ Dim int }

// NewLogSoftmax returns a LogSoftmax layer over axis dim.
func NewLogSoftmax(dim int) *LogSoftmax { return &LogSoftmax{Dim: dim} }

// Forward applies the log-softmax.
func (l *LogSoftmax) Forward(x *ember.Tensor) *ember.Tensor {
	return traced(l, x.LogSoftmax(l.Dim))
}
