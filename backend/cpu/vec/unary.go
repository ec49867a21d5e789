package vec

// Elementwise functions of one operand (and the ReLU gradient and the
// NaN-propagating maximum, which read two).

// unary runs a kernel pair over dst = f(x): the assembly on the blocks of
// 8, the Go twin on the rest.
func unary(dst, x []float32, asm, goImpl func(dst, x []float32)) {
	n := len(dst)
	x = x[:n]
	m := blocks(n)
	for i := 0; i < m; i += chunk {
		j := min(i+chunk, m)
		asm(dst[i:j], x[i:j])
	}
	goImpl(dst[m:], x[m:])
}

// Relu sets dst = max(x, 0), keeping NaN.
func Relu(dst, x []float32) { unary(dst, x, reluAsm, reluGo) }

// Exp sets dst = e^x.
func Exp(dst, x []float32) { unary(dst, x, expAsm, expGo) }

// Log sets dst = ln x.
func Log(dst, x []float32) { unary(dst, x, logAsm, logGo) }

// Tanh sets dst = tanh x.
func Tanh(dst, x []float32) { unary(dst, x, tanhAsm, tanhGo) }

// Erf sets dst = erf x (absolute error below 3e-7, relative below 1e-6
// for |x| < 0.5).
func Erf(dst, x []float32) { unary(dst, x, erfAsm, erfGo) }

// Gelu sets dst = x·Φ(x) = x/2·(1 + erf(x/√2)), the exact GELU.
func Gelu(dst, x []float32) { unary(dst, x, geluAsm, geluGo) }

// GeluGrad sets dst = g·(Φ(x) + x·φ(x)): the gradient of Gelu at x times
// g, φ being the standard normal density.
func GeluGrad(dst, g, x []float32) { vv(dst, g, x, geluGradAsm, geluGradGo) }

// GeluAndGrad sets y = Gelu(x) and d = Φ(x) + x·φ(x), the derivative of
// Gelu at x, in one pass (the erf is shared): the forward pass of a GELU
// that saves d for its backward, which is then g·d, the same bits as
// GeluGrad(g, x). y, d and x have len(y) elements.
func GeluAndGrad(y, d, x []float32) { vv(y, d, x, geluAndGradAsm, geluAndGradGo) }

// Sigmoid sets dst = 1/(1 + e^-x).
func Sigmoid(dst, x []float32) { unary(dst, x, sigmoidAsm, sigmoidGo) }

// ReluGrad sets dst = g where y > 0 and 0 where y <= 0: the gradient of
// ReLU from its output y (PyTorch's threshold_backward; a NaN y passes g).
func ReluGrad(dst, g, y []float32) { vv(dst, g, y, reluGradAsm, reluGradGo) }

// Maximum sets dst = max(x, y), NaN where either is NaN.
func Maximum(dst, x, y []float32) { vv(dst, x, y, maximumAsm, maximumGo) }

func reluGo(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		if 0 > v {
			v = 0
		}
		dst[i] = v
	}
}

func reluGradGo(dst, g, y []float32) {
	g, y = g[:len(dst)], y[:len(dst)]
	for i, v := range y {
		if v <= 0 {
			dst[i] = 0
		} else {
			dst[i] = g[i]
		}
	}
}

func maximumGo(dst, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		a, b := x[i], y[i]
		switch {
		case a != a || b != b:
			dst[i] = a + b
		case a > b:
			dst[i] = a
		default:
			dst[i] = b
		}
	}
}

func expGo(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = exp32(v)
	}
}

func logGo(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = log32(v)
	}
}

func tanhGo(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = tanh32(v)
	}
}

func sigmoidGo(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = sigmoid32(v)
	}
}

func erfGo(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = erf32(v)
	}
}

func geluGo(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = gelu32(v)
	}
}

func geluAndGradGo(y, d, x []float32) {
	d, x = d[:len(y)], x[:len(y)]
	for i, v := range x {
		y[i], d[i] = geluAndGrad32(v)
	}
}

func geluGradGo(dst, g, x []float32) {
	g, x = g[:len(dst)], x[:len(dst)]
	for i, v := range x {
		dst[i] = geluGrad32(g[i], v)
	}
}
