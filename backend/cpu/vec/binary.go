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

// Add sets dst = x + y.
func Add(dst, x, y []float32) {
	n := len(dst)
	x, y = x[:n], y[:n]
	i := blocks(n)
	if i > 0 {
		addAsm(dst[:i], x[:i], y[:i])
	}
	addGo(dst[i:], x[i:], y[i:])
}

// Sub sets dst = x - y.
func Sub(dst, x, y []float32) {
	n := len(dst)
	x, y = x[:n], y[:n]
	i := blocks(n)
	if i > 0 {
		subAsm(dst[:i], x[:i], y[:i])
	}
	subGo(dst[i:], x[i:], y[i:])
}

// Mul sets dst = x * y.
func Mul(dst, x, y []float32) {
	n := len(dst)
	x, y = x[:n], y[:n]
	i := blocks(n)
	if i > 0 {
		mulAsm(dst[:i], x[:i], y[:i])
	}
	mulGo(dst[i:], x[i:], y[i:])
}

// Div sets dst = x / y.
func Div(dst, x, y []float32) {
	n := len(dst)
	x, y = x[:n], y[:n]
	i := blocks(n)
	if i > 0 {
		divAsm(dst[:i], x[:i], y[:i])
	}
	divGo(dst[i:], x[i:], y[i:])
}

// AddScalar sets dst = x + s.
func AddScalar(dst, x []float32, s float32) {
	n := len(dst)
	x = x[:n]
	i := blocks(n)
	if i > 0 {
		addScalarAsm(dst[:i], x[:i], s)
	}
	addScalarGo(dst[i:], x[i:], s)
}

// SubScalar sets dst = x - s.
func SubScalar(dst, x []float32, s float32) {
	n := len(dst)
	x = x[:n]
	i := blocks(n)
	if i > 0 {
		subScalarAsm(dst[:i], x[:i], s)
	}
	subScalarGo(dst[i:], x[i:], s)
}

// MulScalar sets dst = x * s.
func MulScalar(dst, x []float32, s float32) {
	n := len(dst)
	x = x[:n]
	i := blocks(n)
	if i > 0 {
		mulScalarAsm(dst[:i], x[:i], s)
	}
	mulScalarGo(dst[i:], x[i:], s)
}

// DivScalar sets dst = x / s.
func DivScalar(dst, x []float32, s float32) {
	n := len(dst)
	x = x[:n]
	i := blocks(n)
	if i > 0 {
		divScalarAsm(dst[:i], x[:i], s)
	}
	divScalarGo(dst[i:], x[i:], s)
}

// ScalarSub sets dst = s - y.
func ScalarSub(dst []float32, s float32, y []float32) {
	n := len(dst)
	y = y[:n]
	i := blocks(n)
	if i > 0 {
		scalarSubAsm(dst[:i], s, y[:i])
	}
	scalarSubGo(dst[i:], s, y[i:])
}

// ScalarDiv sets dst = s / y.
func ScalarDiv(dst []float32, s float32, y []float32) {
	n := len(dst)
	y = y[:n]
	i := blocks(n)
	if i > 0 {
		scalarDivAsm(dst[:i], s, y[:i])
	}
	scalarDivGo(dst[i:], s, y[i:])
}

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
