package vec

// The elementwise binary kernels: dst[i] = x[i] op y[i] for the first
// len(dst) elements, or with a scalar operand.

// blocks returns the number of leading elements the assembly handles (a
// multiple of 8), or 0 when it is not used.
func blocks(n int) int {
	if !useAsm {
		return 0
	}
	return n &^ 7
}

// chunk is the most elements one assembly call handles: assembly cannot be
// preempted, and the garbage collector's stop-the-world phases wait for it,
// so long vectors are cut into calls of a few microseconds each.
const chunk = 1 << 15

// vv runs a kernel pair over dst = f(x, y).
func vv(dst, x, y []float32, asm, goImpl func(dst, x, y []float32)) {
	n := len(dst)
	x, y = x[:n], y[:n]
	m := blocks(n)
	for i := 0; i < m; i += chunk {
		j := min(i+chunk, m)
		asm(dst[i:j], x[i:j], y[i:j])
	}
	goImpl(dst[m:], x[m:], y[m:])
}

// vs runs a kernel pair over dst = f(x, s).
func vs(dst, x []float32, s float32, asm, goImpl func(dst, x []float32, s float32)) {
	n := len(dst)
	x = x[:n]
	m := blocks(n)
	for i := 0; i < m; i += chunk {
		j := min(i+chunk, m)
		asm(dst[i:j], x[i:j], s)
	}
	goImpl(dst[m:], x[m:], s)
}

// sv runs a kernel pair over dst = f(s, y).
func sv(dst []float32, s float32, y []float32, asm, goImpl func(dst []float32, s float32, y []float32)) {
	n := len(dst)
	y = y[:n]
	m := blocks(n)
	for i := 0; i < m; i += chunk {
		j := min(i+chunk, m)
		asm(dst[i:j], s, y[i:j])
	}
	goImpl(dst[m:], s, y[m:])
}

// Add sets dst = x + y.
func Add(dst, x, y []float32) { vv(dst, x, y, addAsm, addGo) }

// Sub sets dst = x - y.
func Sub(dst, x, y []float32) { vv(dst, x, y, subAsm, subGo) }

// Mul sets dst = x * y.
func Mul(dst, x, y []float32) { vv(dst, x, y, mulAsm, mulGo) }

// Div sets dst = x / y.
func Div(dst, x, y []float32) { vv(dst, x, y, divAsm, divGo) }

// AddScalar sets dst = x + s.
func AddScalar(dst, x []float32, s float32) { vs(dst, x, s, addScalarAsm, addScalarGo) }

// SubScalar sets dst = x - s.
func SubScalar(dst, x []float32, s float32) { vs(dst, x, s, subScalarAsm, subScalarGo) }

// MulScalar sets dst = x * s.
func MulScalar(dst, x []float32, s float32) { vs(dst, x, s, mulScalarAsm, mulScalarGo) }

// DivScalar sets dst = x / s.
func DivScalar(dst, x []float32, s float32) { vs(dst, x, s, divScalarAsm, divScalarGo) }

// ScalarSub sets dst = s - y.
func ScalarSub(dst []float32, s float32, y []float32) { sv(dst, s, y, scalarSubAsm, scalarSubGo) }

// ScalarDiv sets dst = s / y.
func ScalarDiv(dst []float32, s float32, y []float32) { sv(dst, s, y, scalarDivAsm, scalarDivGo) }

func addGo(dst, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] + y[i]
	}
}

func subGo(dst, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] - y[i]
	}
}

func mulGo(dst, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] * y[i]
	}
}

func divGo(dst, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] / y[i]
	}
}

func addScalarGo(dst, x []float32, s float32) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = x[i] + s
	}
}

func subScalarGo(dst, x []float32, s float32) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = x[i] - s
	}
}

func mulScalarGo(dst, x []float32, s float32) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = x[i] * s
	}
}

func divScalarGo(dst, x []float32, s float32) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = x[i] / s
	}
}

func scalarSubGo(dst []float32, s float32, y []float32) {
	y = y[:len(dst)]
	for i := range dst {
		dst[i] = s - y[i]
	}
}

func scalarDivGo(dst []float32, s float32, y []float32) {
	y = y[:len(dst)]
	for i := range dst {
		dst[i] = s / y[i]
	}
}
