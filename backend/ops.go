package backend

// UnaryOp names an elementwise function of one tensor.
type UnaryOp uint8

// Unary operations. A and B are the two float parameters of Unary.
const (
	Neg UnaryOp = iota
	Abs
	Sign
	Exp
	Expm1
	Log
	Log1p
	Log2
	Sqrt
	Rsqrt
	Square
	Sin
	Cos
	Tan
	Tanh
	Sigmoid
	Relu
	LeakyRelu // slope A
	Elu       // alpha A
	Selu
	Gelu
	GeluTanh
	Silu
	Softplus // beta A, threshold B
	Mish
	Clamp // to [A, B]; NaN A or B means no bound on that side
	Floor
	Ceil
	Round // half to even
	Trunc
	Reciprocal
	Erf
	PowScalar  // x^A
	RPowScalar // A^x
	AddScalar  // x + A
	MulScalar  // x * A
	IsNan      // bool dst
	IsInf      // bool dst
	IsFinite   // bool dst
	NanToNum   // nan -> A, +inf -> B, -inf -> -B
	Not        // bool -> bool logical not
	NumUnaryOps
)

var unaryNames = [...]string{"neg", "abs", "sign", "exp", "expm1", "log", "log1p", "log2", "sqrt", "rsqrt", "square", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "leaky_relu", "elu", "selu", "gelu", "gelu_tanh", "silu", "softplus", "mish", "clamp", "floor", "ceil", "round", "trunc", "reciprocal", "erf", "pow_scalar", "rpow_scalar", "add_scalar", "mul_scalar", "isnan", "isinf", "isfinite", "nan_to_num", "logical_not"}

func (op UnaryOp) String() string {
	if int(op) < len(unaryNames) {
		return unaryNames[op]
	}
	return "unary?"
}

// BinaryOp names an elementwise function of two tensors.
type BinaryOp uint8

// Binary operations. Comparison and logical ops write bool.
const (
	Add BinaryOp = iota
	Sub
	Mul
	Div
	Maximum
	Minimum
	Remainder // Python-style: the result has the sign of the divisor
	FloorDiv
	Pow
	Atan2
	Eq
	Ne
	Lt
	Le
	Gt
	Ge
	LogicalAnd
	LogicalOr
	LogicalXor
	// ReluGrad is the gradient of ReLU from its output: x where y > 0 and
	// 0 where y <= 0 (a NaN y passes x), as PyTorch's threshold_backward
	// with threshold 0. Float dtypes; dst has the operands' dtype.
	ReluGrad
	// GeluGrad is the gradient of the exact GELU at y times x:
	// x·(Φ(y) + y·φ(y)), Φ and φ the standard normal distribution and
	// density. Float dtypes.
	GeluGrad
	NumBinaryOps
)

var binaryNames = [...]string{"add", "sub", "mul", "div", "maximum", "minimum", "remainder", "floor_divide", "pow", "atan2", "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "relu_grad", "gelu_grad"}

func (op BinaryOp) String() string {
	if int(op) < len(binaryNames) {
		return binaryNames[op]
	}
	return "binary?"
}

// IsComparison reports whether op writes a bool result.
func (op BinaryOp) IsComparison() bool { return op >= Eq && op <= LogicalXor }

// ReduceOp names a reduction.
type ReduceOp uint8

// Reductions.
const (
	Sum ReduceOp = iota
	Prod
	Max
	Min
	All
	Any
)

// ArgOp names an index-returning reduction.
type ArgOp uint8

// Index-returning reductions.
const (
	ArgMax ArgOp = iota
	ArgMin
)

// CumOp names a cumulative scan.
type CumOp uint8

// Cumulative scans.
const (
	CumSum CumOp = iota
	CumProd
)

// Dist names a random distribution for Backend.Random.
type Dist uint8

// Distributions. A and B are Random's parameters.
const (
	Uniform   Dist = iota // in [A, B)
	Normal                // mean A, standard deviation B
	Bernoulli             // 1 with probability A, else 0
	RandInt               // integers in [A, B)
)

// OptimKind names a fused optimizer update for Backend.OptimStep.
type OptimKind uint8

// Fused optimizer updates. The state views each kind reads and writes, in
// order (all with the parameter's shape and dtype):
//
//	OptSGD:     [momentum buffer] when Momentum != 0
//	OptAdam:    [exp_avg, exp_avg_sq] (+ [max_exp_avg_sq] with AMSGrad);
//	            Decoupled selects AdamW's weight decay
//	OptRMSprop: [square_avg] (+ [grad_avg] when Centered) (+ [momentum
//	            buffer] when Momentum != 0)
//	OptAdagrad: [sum]
//	OptLion:    [exp_avg]
const (
	OptSGD OptimKind = iota
	OptAdam
	OptRMSprop
	OptAdagrad
	OptLion
)

// OptimHyper holds the hyper-parameters of one fused optimizer update, with
// PyTorch's meanings. Step counts from 1; First marks the first update of
// a momentum buffer.
type OptimHyper struct {
	LR, Beta1, Beta2, Eps, WeightDecay  float64
	Momentum, Dampening, Alpha, LRDecay float64
	Step                                int
	Nesterov, Decoupled, AMSGrad        bool
	Maximize, Centered, First           bool
}
