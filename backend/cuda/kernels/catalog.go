package kernels

import "strconv"

// UnaryOp is the run-time op code of the unary kernel (ember::uop).
type UnaryOp int32

// Unary ops. Affine, PowScalar, Clamp and LeakyRelu read the scalar
// parameters p0 and p1 (see ember_elementwise.cu).
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
	numUnaryOps
)

var unaryNames = [numUnaryOps]string{"Neg", "Abs", "Sqrt", "Rsqrt", "Exp", "Log", "Log1p", "Expm1", "Sin",
	"Cos", "Tanh", "Sigmoid", "Relu", "Gelu", "GeluTanh", "Silu", "Square", "Reciprocal", "Floor", "Ceil",
	"Round", "Trunc", "Sign", "Erf", "Softplus", "Affine", "PowScalar", "Clamp", "LeakyRelu"}

func (op UnaryOp) String() string { return opName(unaryNames[:], int(op)) }

// BinaryOp is the run-time op code of the binary kernel (ember::bop).
type BinaryOp int32

// Binary ops. The *Grad ops take the forward input (SigmoidGrad and
// TanhGrad: the forward output) as a and the incoming gradient as b.
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
	numBinaryOps
)

var binaryNames = [numBinaryOps]string{"Add", "Sub", "Mul", "Div", "Maximum", "Minimum", "Pow", "Remainder",
	"ReluGrad", "GeluGrad", "GeluTanhGrad", "SiluGrad", "SigmoidGrad", "TanhGrad"}

func (op BinaryOp) String() string { return opName(binaryNames[:], int(op)) }

// CompareOp is the run-time op code of the compare kernel (ember::cop).
type CompareOp int32

// Comparisons, writing bool.
const (
	Eq CompareOp = iota
	Ne
	Lt
	Le
	Gt
	Ge
	numCompareOps
)

var compareNames = [numCompareOps]string{"Eq", "Ne", "Lt", "Le", "Gt", "Ge"}

func (op CompareOp) String() string { return opName(compareNames[:], int(op)) }

func opName(names []string, i int) string {
	if i < 0 || i >= len(names) {
		return "op(" + strconv.Itoa(i) + ")"
	}
	return names[i]
}

// ReduceOp is a value reduction.
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

// ArgOp is an index reduction.
type ArgOp string

// Index reductions.
const (
	ArgMax ArgOp = "ArgMax"
	ArgMin ArgOp = "ArgMin"
)

// LayerNormPass selects one of the layer-norm kernels.
type LayerNormPass string

// Layer-norm kernels.
const (
	LayerNormForward        LayerNormPass = "layernorm_fwd"
	LayerNormBackward       LayerNormPass = "layernorm_bwd"
	LayerNormBackwardParams LayerNormPass = "layernorm_bwd_params"
)

// RandomKind selects a random-number kernel.
type RandomKind string

// Random kernels.
const (
	Uniform   RandomKind = "rand_uniform"
	Normal    RandomKind = "rand_normal"
	Bernoulli RandomKind = "rand_bernoulli"
	Dropout   RandomKind = "dropout"
)

// The kernel files.
const (
	fileElementwise = "ember_elementwise.cu"
	fileReduce      = "ember_reduce.cu"
	fileSoftmax     = "ember_softmax.cu"
	fileNorm        = "ember_norm.cu"
	fileOptim       = "ember_optim.cu"
	fileEmbedding   = "ember_embedding.cu"
	fileRandom      = "ember_random.cu"
)

// UnaryKernel returns the unary map on T (the op is a parameter).
func UnaryKernel(t DType) Kernel { return Kernel{fileElementwise, tmpl("unary", t.CType())} }

// BinaryKernel returns the binary map on T.
func BinaryKernel(t DType) Kernel { return Kernel{fileElementwise, tmpl("binary", t.CType())} }

// CompareKernel returns the comparison of two T tensors into bool.
func CompareKernel(t DType) Kernel { return Kernel{fileElementwise, tmpl("compare", t.CType())} }

// FillKernel returns the strided fill of T.
func FillKernel(t DType) Kernel { return Kernel{fileElementwise, tmpl("fill", t.CType())} }

// CastKernel returns the strided conversion from one type to another (a
// strided copy when they are equal).
func CastKernel(to, from DType) Kernel {
	return Kernel{fileElementwise, tmpl("cast", to.CType(), from.CType())}
}

// ReduceKernel returns a value reduction over the last axis (last) or a
// middle axis of [outer, len, inner].
func ReduceKernel(op ReduceOp, t DType, last bool) Kernel {
	name := "reduce_mid"
	if last {
		name = "reduce_last"
	}
	return Kernel{fileReduce, tmpl(name, t.CType(), "ember::"+string(op))}
}

// ArgReduceKernel returns an argmax/argmin over the last or a middle axis.
func ArgReduceKernel(op ArgOp, t DType, last bool) Kernel {
	name := "arg_reduce_mid"
	if last {
		name = "arg_reduce_last"
	}
	return Kernel{fileReduce, tmpl(name, t.CType(), "ember::"+string(op))}
}

// SoftmaxKernel returns softmax or log-softmax, forward or backward.
func SoftmaxKernel(t DType, log, backward bool) Kernel {
	name := "softmax_fwd"
	if backward {
		name = "softmax_bwd"
	}
	return Kernel{fileSoftmax, tmpl(name, t.CType(), boolArg(log))}
}

// CrossEntropyKernel returns the fused log-softmax cross-entropy.
func CrossEntropyKernel(t DType, backward bool) Kernel {
	name := "cross_entropy_fwd"
	if backward {
		name = "cross_entropy_bwd"
	}
	return Kernel{fileSoftmax, tmpl(name, t.CType())}
}

// LayerNormKernel returns one layer-norm pass.
func LayerNormKernel(pass LayerNormPass, t DType) Kernel {
	return Kernel{fileNorm, tmpl(string(pass), t.CType())}
}

// AdamWKernel returns the fused AdamW step.
func AdamWKernel(t DType) Kernel { return Kernel{fileOptim, tmpl("adamw", t.CType())} }

// SGDKernel returns the fused SGD step.
func SGDKernel(t DType) Kernel { return Kernel{fileOptim, tmpl("sgd", t.CType())} }

// EmbeddingKernel returns the embedding lookup or its gradient.
func EmbeddingKernel(t DType, backward bool) Kernel {
	name := "embedding_fwd"
	if backward {
		name = "embedding_bwd"
	}
	return Kernel{fileEmbedding, tmpl(name, t.CType())}
}

// RandomKernel returns a Philox random-number kernel.
func RandomKernel(kind RandomKind, t DType) Kernel {
	return Kernel{fileRandom, tmpl(string(kind), t.CType())}
}

// Unit is one kernel file with every instantiation to compile from it.
type Unit struct {
	File  string
	Exprs []string
}

// Catalog lists every kernel instantiation, grouped by file in Files order.
func Catalog() []Unit {
	byFile := map[string][]string{}
	add := func(k Kernel) { byFile[k.File] = append(byFile[k.File], k.Expr) }
	for _, t := range FloatTypes {
		add(UnaryKernel(t))
		add(BinaryKernel(t))
		add(CompareKernel(t))
		for _, last := range []bool{true, false} {
			for _, op := range ReduceOps {
				add(ReduceKernel(op, t, last))
			}
			add(ArgReduceKernel(ArgMax, t, last))
			add(ArgReduceKernel(ArgMin, t, last))
		}
		for _, log := range []bool{false, true} {
			add(SoftmaxKernel(t, log, false))
			add(SoftmaxKernel(t, log, true))
		}
		add(CrossEntropyKernel(t, false))
		add(CrossEntropyKernel(t, true))
		for _, p := range []LayerNormPass{LayerNormForward, LayerNormBackward, LayerNormBackwardParams} {
			add(LayerNormKernel(p, t))
		}
		add(AdamWKernel(t))
		add(SGDKernel(t))
		add(EmbeddingKernel(t, false))
		add(EmbeddingKernel(t, true))
		for _, k := range []RandomKind{Uniform, Normal, Bernoulli, Dropout} {
			add(RandomKernel(k, t))
		}
	}
	for _, to := range AllTypes {
		add(FillKernel(to))
		for _, from := range AllTypes {
			add(CastKernel(to, from))
		}
	}
	var units []Unit
	for _, f := range Files() {
		if exprs := byFile[f]; len(exprs) > 0 {
			units = append(units, Unit{File: f, Exprs: exprs})
		}
	}
	return units
}
