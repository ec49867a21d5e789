// Package initializer fills parameters in place the way torch.nn.init does
// (uniform, normal, constant, Xavier/Glorot, Kaiming/He, orthogonal,
// truncated normal), drawing from Ember's seeded generators. Each function
// runs without recording gradients and returns its argument.
package initializer

import (
	"fmt"
	"math"

	"github.com/emberdl/ember"
)

// FanMode chooses which fan Kaiming initialisation preserves.
type FanMode int

// Fan modes.
const (
	FanIn  FanMode = iota // preserve the variance of activations in the forward pass
	FanOut                // preserve it for gradients in the backward pass
)

// Fans returns the fan-in and fan-out of a weight: for a [out, in, k...]
// tensor, in*prod(k) and out*prod(k), as torch.nn.init computes them.
func Fans(w *ember.Tensor) (fanIn, fanOut int, err error) {
	if w.Dim() < 2 {
		return 0, 0, fmt.Errorf("initializer: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape %v)", w.Shape())
	}
	rf := 1
	for _, s := range w.Shape()[2:] {
		rf *= s
	}
	return w.Size(1) * rf, w.Size(0) * rf, nil
}

// Gain returns the recommended gain for a nonlinearity ("linear", "conv2d",
// "sigmoid", "tanh", "relu", "leaky_relu" with param the slope, "selu"), as
// torch.nn.init.calculate_gain.
func Gain(nonlinearity string, param float64) (float64, error) {
	switch nonlinearity {
	case "linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid":
		return 1, nil
	case "tanh":
		return 5.0 / 3, nil
	case "relu":
		return math.Sqrt2, nil
	case "leaky_relu":
		if math.IsNaN(param) {
			param = 0.01
		}
		return math.Sqrt(2 / (1 + param*param)), nil
	case "selu":
		return 3.0 / 4, nil
	}
	return 0, fmt.Errorf("initializer: unsupported nonlinearity %q", nonlinearity)
}

func fill(t *ember.Tensor, v *ember.Tensor) *ember.Tensor {
	ember.NoGrad(func() { t.CopyFrom(v) })
	return t
}

func gen(g []*ember.Generator) ember.Option {
	if len(g) > 0 && g[0] != nil {
		return g[0]
	}
	return nil
}

// Uniform fills t with values from U(lo, hi).
func Uniform(t *ember.Tensor, lo, hi float64, g ...*ember.Generator) *ember.Tensor {
	return fill(t, ember.Uniform(t.Shape(), lo, hi, t.DType(), t.Device(), gen(g)))
}

// Normal fills t with values from N(mean, std²).
func Normal(t *ember.Tensor, mean, std float64, g ...*ember.Generator) *ember.Tensor {
	return fill(t, ember.Normal(t.Shape(), mean, std, t.DType(), t.Device(), gen(g)))
}

// Constant fills t with v.
func Constant(t *ember.Tensor, v float64) *ember.Tensor {
	ember.NoGrad(func() { t.FillInPlace(v) })
	return t
}

// Zeros fills t with zeros.
func Zeros(t *ember.Tensor) *ember.Tensor { return Constant(t, 0) }

// Ones fills t with ones.
func Ones(t *ember.Tensor) *ember.Tensor { return Constant(t, 1) }

// XavierUniform fills t from U(-a, a), a = gain*sqrt(6/(fan_in+fan_out)).
func XavierUniform(t *ember.Tensor, gain float64, g ...*ember.Generator) (*ember.Tensor, error) {
	fi, fo, err := Fans(t)
	if err != nil {
		return t, err
	}
	a := gain * math.Sqrt(6/float64(fi+fo))
	return Uniform(t, -a, a, g...), nil
}

// XavierNormal fills t from N(0, std²), std = gain*sqrt(2/(fan_in+fan_out)).
func XavierNormal(t *ember.Tensor, gain float64, g ...*ember.Generator) (*ember.Tensor, error) {
	fi, fo, err := Fans(t)
	if err != nil {
		return t, err
	}
	return Normal(t, 0, gain*math.Sqrt(2/float64(fi+fo)), g...), nil
}

func kaimingStd(t *ember.Tensor, a float64, mode FanMode, nonlinearity string) (float64, error) {
	fi, fo, err := Fans(t)
	if err != nil {
		return 0, err
	}
	fan := fi
	if mode == FanOut {
		fan = fo
	}
	gain, err := Gain(nonlinearity, a)
	if err != nil {
		return 0, err
	}
	if fan == 0 {
		return 0, fmt.Errorf("initializer: cannot initialise an empty tensor (shape %v)", t.Shape())
	}
	return gain / math.Sqrt(float64(fan)), nil
}

// KaimingUniform fills t from U(-b, b), b = gain*sqrt(3/fan), as
// torch.nn.init.kaiming_uniform_ (a is the leaky-ReLU slope).
func KaimingUniform(t *ember.Tensor, a float64, mode FanMode, nonlinearity string, g ...*ember.Generator) (*ember.Tensor, error) {
	std, err := kaimingStd(t, a, mode, nonlinearity)
	if err != nil {
		return t, err
	}
	b := math.Sqrt(3) * std
	return Uniform(t, -b, b, g...), nil
}

// KaimingNormal fills t from N(0, std²), std = gain/sqrt(fan).
func KaimingNormal(t *ember.Tensor, a float64, mode FanMode, nonlinearity string, g ...*ember.Generator) (*ember.Tensor, error) {
	std, err := kaimingStd(t, a, mode, nonlinearity)
	if err != nil {
		return t, err
	}
	return Normal(t, 0, std, g...), nil
}

// TruncNormal fills t from N(mean, std²) truncated to [lo, hi], as
// torch.nn.init.trunc_normal_: uniform draws between the normal CDF at lo
// and at hi are mapped through the inverse CDF (so no value is redrawn and
// even a far tail costs nothing), then clamped to [lo, hi] against
// rounding. std 0 gives the mean clamped to [lo, hi]. It panics with a
// *ember.ValueError when lo > hi or std < 0.
func TruncNormal(t *ember.Tensor, mean, std, lo, hi float64, g ...*ember.Generator) *ember.Tensor {
	if !(lo <= hi) || !(std >= 0) {
		panic(&ember.ValueError{Op: "initializer.TruncNormal", Msg: fmt.Sprintf("need lo <= hi and std >= 0, got lo=%v, hi=%v, std=%v", lo, hi, std)})
	}
	if std == 0 {
		return Constant(t, min(max(mean, lo), hi))
	}
	cdf := func(x float64) float64 { return (1 + math.Erf(x/math.Sqrt2)) / 2 }
	l, u := cdf((lo-mean)/std), cdf((hi-mean)/std)
	v := ember.Uniform([]int{t.Numel()}, 2*l-1, 2*u-1, ember.Float64, gen(g)).Float64s()
	for i, p := range v {
		v[i] = min(max(mean+std*math.Sqrt2*math.Erfinv(p), lo), hi)
	}
	return fill(t, ember.FromSlice(v).Reshape(t.Shape()...))
}

// Orthogonal fills t (viewed as rows × the product of the other dims) with
// a (semi-)orthogonal matrix times gain, from the QR decomposition of a
// normal matrix, as torch.nn.init.orthogonal_.
func Orthogonal(t *ember.Tensor, gain float64, g ...*ember.Generator) (*ember.Tensor, error) {
	if t.Dim() < 2 {
		return t, fmt.Errorf("initializer: only tensors with 2 or more dimensions are supported (shape %v)", t.Shape())
	}
	rows := t.Size(0)
	cols := t.Numel() / max(rows, 1)
	m, n := rows, cols
	if rows < cols {
		m, n = cols, rows // work on the transpose
	}
	a := ember.Normal([]int{m, n}, 0, 1, ember.Float64, gen(g)).Float64s()
	q := qrQ(a, m, n) // m×n with orthonormal columns
	out := make([]float64, rows*cols)
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			if rows < cols {
				out[i*cols+j] = gain * q[j*n+i]
			} else {
				out[i*cols+j] = gain * q[i*n+j]
			}
		}
	}
	return fill(t, ember.FromSlice(out).Reshape(t.Shape()...)), nil
}

// qrQ returns the Q of a Householder QR of the m×n (m >= n) matrix a, with
// the signs fixed so that R has a non-negative diagonal (as PyTorch does).
func qrQ(a []float64, m, n int) []float64 {
	r := append([]float64(nil), a...)
	vs := make([][]float64, n)
	for k := 0; k < n; k++ {
		norm := 0.0
		for i := k; i < m; i++ {
			norm += r[i*n+k] * r[i*n+k]
		}
		norm = math.Sqrt(norm)
		v := make([]float64, m)
		alpha := -norm
		if r[k*n+k] < 0 {
			alpha = norm
		}
		for i := k; i < m; i++ {
			v[i] = r[i*n+k]
		}
		v[k] -= alpha
		vn := 0.0
		for i := k; i < m; i++ {
			vn += v[i] * v[i]
		}
		if vn > 0 {
			for j := k; j < n; j++ {
				dot := 0.0
				for i := k; i < m; i++ {
					dot += v[i] * r[i*n+j]
				}
				f := 2 * dot / vn
				for i := k; i < m; i++ {
					r[i*n+j] -= f * v[i]
				}
			}
		}
		vs[k] = v
	}
	// Q = H_0 H_1 ... H_{n-1} applied to the first n columns of I.
	q := make([]float64, m*n)
	for i := 0; i < n; i++ {
		q[i*n+i] = 1
	}
	for k := n - 1; k >= 0; k-- {
		v := vs[k]
		vn := 0.0
		for i := k; i < m; i++ {
			vn += v[i] * v[i]
		}
		if vn == 0 {
			continue
		}
		for j := 0; j < n; j++ {
			dot := 0.0
			for i := k; i < m; i++ {
				dot += v[i] * q[i*n+j]
			}
			f := 2 * dot / vn
			for i := k; i < m; i++ {
				q[i*n+j] -= f * v[i]
			}
		}
	}
	// Sign fix: make diag(R) non-negative by flipping Q's columns.
	for k := 0; k < n; k++ {
		if r[k*n+k] < 0 {
			for i := 0; i < m; i++ {
				q[i*n+k] = -q[i*n+k]
			}
		}
	}
	return q
}
