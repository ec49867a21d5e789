package kernels

import "strconv"

// UnaryOp is the run-time op code of the unary kernels (ember::uop).
type UnaryOp int32

// Unary ops. The scalar parameters p0 and p1 of PackUnary mean: LeakyRelu
// slope p0; Elu alpha p0; Softplus beta p0 and threshold p1; Clamp bounds
// [p0, p1] (NaN: no bound); Affine x*p0 + p1; PowScalar x^p0; RPowScalar
// p0^x; AddScalar x + p0; MulScalar x*p0; NanToNum NaN -> p0, ±Inf -> ±p1.
// IsNan, IsInf, IsFinite and Not are the unary_bool kernel's (bool out).
const (
	Neg UnaryOp = iota
	Abs
	Sqrt
	Rsqrt
	Exp
	Log
	Log1p
	Expm1
	Sin
	Cos
	Tanh
	Sigmoid
	Relu
	Gelu
	GeluTanh
	Silu
	Square
	Reciprocal
	Floor
	Ceil
	Round
	Trunc
	Sign
	Erf
	Softplus
	Affine
	PowScalar
	Clamp
	LeakyRelu
	Log2
	Tan
	Elu
	Selu
	Mish
	RPowScalar
	AddScalar
	MulScalar
	NanToNum
	IsNan
	IsInf
	IsFinite
	Not
	numUnaryOps
)

var unaryNames = [numUnaryOps]string{"Neg", "Abs", "Sqrt", "Rsqrt", "Exp", "Log", "Log1p", "Expm1", "Sin",
	"Cos", "Tanh", "Sigmoid", "Relu", "Gelu", "GeluTanh", "Silu", "Square", "Reciprocal", "Floor", "Ceil",
	"Round", "Trunc", "Sign", "Erf", "Softplus", "Affine", "PowScalar", "Clamp", "LeakyRelu", "Log2", "Tan",
	"Elu", "Selu", "Mish", "RPowScalar", "AddScalar", "MulScalar", "NanToNum", "IsNan", "IsInf", "IsFinite",
	"Not"}

func (op UnaryOp) String() string { return opName(unaryNames[:], int(op)) }

// BinaryOp is the run-time op code of the binary kernels (ember::bop).
type BinaryOp int32

// Binary ops. The *Grad ops take the forward input (SigmoidGrad and
// TanhGrad: the forward output) as a and the incoming gradient as b.
// Remainder and FloorDiv are Python's (floor division; the remainder has
// the divisor's sign). On integers Div is floor division too, as on the CPU.
const (
	Add BinaryOp = iota
	Sub
	Mul
	Div
	Maximum
	Minimum
	Pow
	Remainder
	ReluGrad
	GeluGrad
	GeluTanhGrad
	SiluGrad
	SigmoidGrad
	TanhGrad
	FloorDiv
	Atan2
	numBinaryOps
)

var binaryNames = [numBinaryOps]string{"Add", "Sub", "Mul", "Div", "Maximum", "Minimum", "Pow", "Remainder",
	"ReluGrad", "GeluGrad", "GeluTanhGrad", "SiluGrad", "SigmoidGrad", "TanhGrad", "FloorDiv", "Atan2"}

func (op BinaryOp) String() string { return opName(binaryNames[:], int(op)) }

// CompareOp is the run-time op code of the compare kernel (ember::cop).
type CompareOp int32

// Comparisons and logical ops, writing bool. And, Or and Xor combine
// a != 0 and b != 0; on bool operands they also serve Mul/Minimum (And)
// and Add/Maximum (Or), as on the CPU.
const (
	Eq CompareOp = iota
	Ne
	Lt
	Le
	Gt
	Ge
	And
	Or
	Xor
	numCompareOps
)

var compareNames = [numCompareOps]string{"Eq", "Ne", "Lt", "Le", "Gt", "Ge", "And", "Or", "Xor"}

func (op CompareOp) String() string { return opName(compareNames[:], int(op)) }

func opName(names []string, i int) string {
	if i < 0 || i >= len(names) {
		return "op(" + strconv.Itoa(i) + ")"
	}
	return names[i]
}

// ReduceOp is a value reduction of the contiguous single-axis kernels
// (ReduceKernel).
type ReduceOp string

// Reductions (Mean is Sum with scale 1/len).
const (
	Sum  ReduceOp = "SumOp"
	Prod ReduceOp = "ProdOp"
	Max  ReduceOp = "MaxOp"
	Min  ReduceOp = "MinOp"
)

// ReduceOps lists the value reductions.
var ReduceOps = []ReduceOp{Sum, Prod, Max, Min}

// ReduceCode is the run-time op code of the reductions over any axes
// (ember::rop), in backend.ReduceOp's order.
type ReduceCode int32

// Reductions over any axes. All and Any are "every element != 0" and
// "some element != 0", as 1 or 0.
const (
	ReduceSum ReduceCode = iota
	ReduceProd
	ReduceMax
	ReduceMin
	ReduceAll
	ReduceAny
	numReduceCodes
)

var reduceNames = [numReduceCodes]string{"Sum", "Prod", "Max", "Min", "All", "Any"}

func (op ReduceCode) String() string { return opName(reduceNames[:], int(op)) }

// ArgOp is an index reduction.
type ArgOp string

// Index reductions.
const (
	ArgMax ArgOp = "ArgMax"
	ArgMin ArgOp = "ArgMin"
)

// code is the run-time op code of the strided arg-reduction kernels.
func (op ArgOp) code() int32 {
	if op == ArgMin {
		return 1
	}
	return 0
}

// CumOp is the run-time op code of the cumulative kernels.
type CumOp int32

// Cumulative scans.
const (
	CumSum CumOp = iota
	CumProd
)

// LayerNormPass selects one of the layer-norm kernels.
type LayerNormPass string

// Layer-norm kernels.
const (
	LayerNormForward        LayerNormPass = "layernorm_fwd"
	LayerNormBackward       LayerNormPass = "layernorm_bwd"
	LayerNormBackwardParams LayerNormPass = "layernorm_bwd_params"     // partial sums per chunk of rows
	LayerNormParamsSum      LayerNormPass = "layernorm_bwd_params_sum" // the chunks' sum
)

// RandomKind selects a random-number kernel.
type RandomKind string

// Random kernels: the transforms of package internal/philox. Uniform and
// Normal use the 32-bit transforms (philox Uniform32, Normal32: four
// elements per counter; float32, bfloat16 and float16 outputs), Uniform64
// and Normal64 the 64-bit ones (two per counter; any output type), RandInt
// philox Int64 (any output type), Bernoulli any output type.
const (
	Uniform   RandomKind = "rand_uniform32"
	Uniform64 RandomKind = "rand_uniform64"
	Normal    RandomKind = "rand_normal32"
	Normal64  RandomKind = "rand_normal64"
	Bernoulli RandomKind = "rand_bernoulli"
	RandInt   RandomKind = "rand_int"
	Dropout   RandomKind = "dropout"
)

// AttentionPass selects one of the fused attention kernels.
type AttentionPass string

// Attention kernels, in the order a training step runs them.
const (
	AttentionForward     AttentionPass = "attn_fwd"
	AttentionBackwardPre AttentionPass = "attn_bwd_prep"
	AttentionBackwardDQ  AttentionPass = "attn_bwd_dq"
	AttentionBackwardKV  AttentionPass = "attn_bwd_dkdv"

	// The tensor-core passes (ember_attention_tc.cu) replace the forward,
	// dq and dk/dv passes where TensorCoreAttention allows; the backward
	// still starts with AttentionBackwardPre.
	AttentionTCForward    AttentionPass = "attn_tc_fwd"
	AttentionTCBackwardDQ AttentionPass = "attn_tc_bwd_dq"
	AttentionTCBackwardKV AttentionPass = "attn_tc_bwd_dkdv"
)

// NonzeroPass selects one of the three nonzero kernels.
type NonzeroPass string

// Nonzero kernels, in launch order.
const (
	NonzeroCount   NonzeroPass = "nonzero_count"
	NonzeroOffsets NonzeroPass = "nonzero_offsets"
	NonzeroWrite   NonzeroPass = "nonzero_write"
)
