package kernels

import "github.com/emberdl/ember/backend"

// The backend's op codes mapped to the kernels'. The kernels follow the
// CPU backend's semantics for every op listed here (the tests compare
// them); the scalar parameters a, b of backend.Backend.Unary are the
// kernels' p0, p1.

var unaryFromBackend = map[backend.UnaryOp]UnaryOp{
	backend.Neg: Neg, backend.Abs: Abs, backend.Sign: Sign, backend.Exp: Exp, backend.Expm1: Expm1,
	backend.Log: Log, backend.Log1p: Log1p, backend.Log2: Log2, backend.Sqrt: Sqrt, backend.Rsqrt: Rsqrt,
	backend.Square: Square, backend.Sin: Sin, backend.Cos: Cos, backend.Tan: Tan, backend.Tanh: Tanh,
	backend.Sigmoid: Sigmoid, backend.Relu: Relu, backend.LeakyRelu: LeakyRelu, backend.Elu: Elu,
	backend.Selu: Selu, backend.Gelu: Gelu, backend.GeluTanh: GeluTanh, backend.Silu: Silu,
	backend.Softplus: Softplus, backend.Mish: Mish, backend.Clamp: Clamp, backend.Floor: Floor,
	backend.Ceil: Ceil, backend.Round: Round, backend.Trunc: Trunc, backend.Reciprocal: Reciprocal,
	backend.Erf: Erf, backend.PowScalar: PowScalar, backend.RPowScalar: RPowScalar,
	backend.AddScalar: AddScalar, backend.MulScalar: MulScalar, backend.IsNan: IsNan, backend.IsInf: IsInf,
	backend.IsFinite: IsFinite, backend.NanToNum: NanToNum, backend.Not: Not,
}

// UnaryOpFor returns the kernels' code of a backend unary op: IsNan,
// IsInf, IsFinite and Not run in UnaryBoolKernel, the others in
// UnaryKernel (floats) or UnaryIntKernel (integers: Neg, Abs, Sign, Square,
// Relu, Clamp, Floor, Ceil, Round, Trunc, AddScalar, MulScalar).
func UnaryOpFor(op backend.UnaryOp) (UnaryOp, bool) {
	k, ok := unaryFromBackend[op]
	return k, ok
}

var binaryFromBackend = map[backend.BinaryOp]BinaryOp{
	backend.Add: Add, backend.Sub: Sub, backend.Mul: Mul, backend.Div: Div, backend.Maximum: Maximum,
	backend.Minimum: Minimum, backend.Remainder: Remainder, backend.FloorDiv: FloorDiv, backend.Pow: Pow,
	backend.Atan2: Atan2,
	// The kernels take (forward value, gradient); the backend ops take
	// (gradient, forward value): Binary swaps the operands (SwapsOperands).
	backend.ReluGrad: ReluGrad, backend.GeluGrad: GeluGrad,
}

// SwapsOperands reports whether the kernel of a backend binary op takes the
// backend's operands in the other order.
func SwapsOperands(op backend.BinaryOp) bool {
	return op == backend.ReluGrad || op == backend.GeluGrad
}

var compareFromBackend = map[backend.BinaryOp]CompareOp{
	backend.Eq: Eq, backend.Ne: Ne, backend.Lt: Lt, backend.Le: Le, backend.Gt: Gt, backend.Ge: Ge,
	backend.LogicalAnd: And, backend.LogicalOr: Or, backend.LogicalXor: Xor,
}

// BinaryOpFor returns the kernels' code of a backend binary op on dtype t
// and whether it runs in CompareKernel (bool result) rather than
// BinaryKernel (floats) or BinaryIntKernel (integers). On bool operands
// Add and Maximum are Or, Mul and Minimum are And, as on the CPU.
func BinaryOpFor(op backend.BinaryOp, t DType) (code int32, compare, ok bool) {
	if t == Bool {
		switch op {
		case backend.Add, backend.Maximum:
			return int32(Or), true, true
		case backend.Mul, backend.Minimum:
			return int32(And), true, true
		}
	}
	if c, ok := compareFromBackend[op]; ok {
		return int32(c), true, true
	}
	if t == Bool {
		return 0, false, false
	}
	if b, ok := binaryFromBackend[op]; ok {
		if t.isInt() && (op == backend.Atan2 || SwapsOperands(op)) {
			return 0, false, false
		}
		return int32(b), false, true
	}
	return 0, false, false
}

// isInt reports whether t is an integer type (bool excluded).
func (t DType) isInt() bool { return t == I64 || t == I32 || t == U8 }

// ReduceCodeFor returns the kernels' code of a backend reduction.
func ReduceCodeFor(op backend.ReduceOp) (ReduceCode, bool) {
	if op > backend.Any {
		return 0, false
	}
	return ReduceCode(op), true
}

// DTypeFor returns the kernels' type of a backend dtype (the two
// enumerations list the same types in the same order).
func DTypeFor(d backend.DType) (DType, bool) {
	if !d.Valid() {
		return 0, false
	}
	return DType(d), true
}
