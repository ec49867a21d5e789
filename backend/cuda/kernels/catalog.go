package kernels

import "strconv"

// The kernel files.
const (
	fileElementwise = "ember_elementwise.cu"
	fileCopy        = "ember_copy.cu"
	fileReduce      = "ember_reduce.cu"
	fileReduceAxes  = "ember_reduce_axes.cu"
	fileScan        = "ember_scan.cu"
	fileIndex       = "ember_index.cu"
	fileSort        = "ember_sort.cu"
	fileConv        = "ember_conv.cu"
	fileSoftmax     = "ember_softmax.cu"
	fileNorm        = "ember_norm.cu"
	fileOptim       = "ember_optim.cu"
	fileEmbedding   = "ember_embedding.cu"
	fileRandom      = "ember_random.cu"
	fileAttention   = "ember_attention.cu"
	fileAttentionTC = "ember_attention_tc.cu"
)

// Type sets of the instantiations.
var (
	// IntTypes are the integer types of unary_int and binary_int.
	IntTypes = []DType{I64, I32, U8}
	// ArgTypes are the input types of the strided arg-reductions.
	ArgTypes = []DType{F32, F64, BF16, F16, I64, I32, U8}
	// CumTypes are the types of the cumulative kernels.
	CumTypes = []DType{F32, F64, BF16, F16, I64}
	// AttentionTypes are the types of the fused attention kernels.
	AttentionTypes = []DType{F32, BF16, F16}
	// AttentionTCTypes and AttentionTCHeadDims are the element types and
	// head dims of the tensor-core attention kernels.
	AttentionTCTypes    = []DType{BF16, F16}
	AttentionTCHeadDims = []int{32, 64, 128}
	// Float32Types are the outputs of the 32-bit random transforms.
	Float32Types = []DType{F32, BF16, F16}
)

// bitsType is the C unsigned type of t's element size, for kernels that
// only move elements.
func bitsType(t DType) string {
	switch t.Size() {
	case 1:
		return "ember::u8"
	case 2:
		return "ember::u16"
	case 4:
		return "ember::u32"
	}
	return "ember::u64"
}

// sizeTypes is one type per element size (1, 2, 4, 8 bytes).
var sizeTypes = []DType{U8, F16, F32, F64}

// UnaryKernel returns the unary map on the float type t (the op is a
// parameter).
func UnaryKernel(t DType) Kernel { return Kernel{fileElementwise, tmpl("unary", t.CType())} }

// UnaryIntKernel returns the unary map on the integer type t.
func UnaryIntKernel(t DType) Kernel { return Kernel{fileElementwise, tmpl("unary_int", t.CType())} }

// UnaryBoolKernel returns IsNan/IsInf/IsFinite/Not of a t tensor into bool.
func UnaryBoolKernel(t DType) Kernel { return Kernel{fileElementwise, tmpl("unary_bool", t.CType())} }

// BinaryKernel returns the binary map on the float type t.
func BinaryKernel(t DType) Kernel { return Kernel{fileElementwise, tmpl("binary", t.CType())} }

// BinaryIntKernel returns the binary map on the integer type t.
func BinaryIntKernel(t DType) Kernel { return Kernel{fileElementwise, tmpl("binary_int", t.CType())} }

// CompareKernel returns the comparison (or logical op) of two t tensors
// into bool; t is any type.
func CompareKernel(t DType) Kernel { return Kernel{fileElementwise, tmpl("compare", t.CType())} }

// FillKernel returns the strided fill of t.
func FillKernel(t DType) Kernel { return Kernel{fileCopy, tmpl("fill", t.CType())} }

// CastKernel returns the strided conversion from one type to another (a
// strided copy when they are equal).
func CastKernel(to, from DType) Kernel {
	return Kernel{fileCopy, tmpl("cast", to.CType(), from.CType())}
}

// WhereKernel returns the strided select for elements of type t.
func WhereKernel(t DType) Kernel { return Kernel{fileCopy, tmpl("where", bitsType(t))} }

// ArangeKernel returns the 1-D arange of t.
func ArangeKernel(t DType) Kernel { return Kernel{fileCopy, tmpl("arange", t.CType())} }

// ReduceKernel returns a value reduction over the last axis (last) or a
// middle axis of a contiguous [outer, len, inner] float tensor.
func ReduceKernel(op ReduceOp, t DType, last bool) Kernel {
	name := "reduce_mid"
	if last {
		name = "reduce_last"
	}
	return Kernel{fileReduce, tmpl(name, t.CType(), "ember::"+string(op))}
}

// ArgReduceKernel returns an argmax/argmin over the last or a middle axis
// of a contiguous float tensor.
func ArgReduceKernel(op ArgOp, t DType, last bool) Kernel {
	name := "arg_reduce_mid"
	if last {
		name = "arg_reduce_last"
	}
	return Kernel{fileReduce, tmpl(name, t.CType(), "ember::"+string(op))}
}

// ReduceAxesKernel returns the strided reduction over any axes from in
// to out elements (see Reduction).
func ReduceAxesKernel(in, out DType) Kernel {
	return Kernel{fileReduceAxes, tmpl("reduce", in.CType(), out.CType())}
}

// reducePairs are the (input, output) types of the reductions over any
// axes: every direct reduction, and the passes through accumulator
// workspaces.
var reducePairs = [][2]DType{
	{F32, F32}, {F64, F64}, {BF16, BF16}, {F16, F16},
	{BF16, F32}, {F16, F32}, {F32, BF16}, {F32, F16},
	{I64, I64}, {I32, I64}, {U8, I64}, {Bool, I64},
	{I32, I32}, {U8, U8}, {Bool, Bool},
	{I64, I32}, {I64, U8}, {I64, Bool},
}

// ArgReduceAxisKernel returns the strided argmax/argmin along one axis.
func ArgReduceAxisKernel(t DType) Kernel {
	return Kernel{fileReduceAxes, tmpl("arg_reduce", t.CType())}
}

// CumulativeKernel returns the running sum/product along an axis, with a
// block per lane (block) or a thread per lane.
func CumulativeKernel(t DType, block bool) Kernel {
	name := "cumulative_thread"
	if block {
		name = "cumulative_block"
	}
	return Kernel{fileScan, tmpl(name, t.CType())}
}

// NonzeroKernel returns one pass of nonzero over t elements (the offsets
// pass ignores t).
func NonzeroKernel(pass NonzeroPass, t DType) Kernel {
	if pass == NonzeroOffsets {
		return Kernel{fileScan, "ember::nonzero_offsets"}
	}
	return Kernel{fileScan, tmpl(string(pass), bitsType(t))}
}

// IndexSelectKernel returns index_select of t elements.
func IndexSelectKernel(t DType) Kernel { return Kernel{fileIndex, tmpl("index_select", bitsType(t))} }

// IndexAddKernel returns index_add of t elements.
func IndexAddKernel(t DType) Kernel { return Kernel{fileIndex, tmpl("index_add", t.CType())} }

// GatherKernel returns gather of t elements.
func GatherKernel(t DType) Kernel { return Kernel{fileIndex, tmpl("gather", bitsType(t))} }

// ScatterKernel returns scatter (assign or add) of t elements.
func ScatterKernel(t DType) Kernel { return Kernel{fileIndex, tmpl("scatter", t.CType())} }

// SortPass selects one of the sort kernels.
type SortPass string

// Sort kernels: SortRows alone for rows of at most SortTile elements;
// SortTiles, then SortMerge repeatedly, then SortGather for longer rows.
const (
	SortRows   SortPass = "sort_rows"
	SortTiles  SortPass = "sort_tiles"
	SortMerge  SortPass = "sort_merge"
	SortGather SortPass = "sort_gather"
)

// SortKernel returns one sort pass for t elements (SortMerge ignores t).
func SortKernel(pass SortPass, t DType) Kernel {
	switch pass {
	case SortMerge:
		return Kernel{fileSort, "ember::sort_merge"}
	case SortGather:
		return Kernel{fileSort, tmpl("sort_gather", bitsType(t))}
	}
	return Kernel{fileSort, tmpl(string(pass), t.CType())}
}

// ConvPass selects a convolution or pooling helper.
type ConvPass string

// Convolution and pooling kernels.
const (
	Im2col    ConvPass = "im2col"
	Col2im    ConvPass = "col2im"
	MaxPool2d ConvPass = "maxpool2d"
)

// ConvKernel returns one convolution helper for the float type t.
func ConvKernel(pass ConvPass, t DType) Kernel {
	return Kernel{fileConv, tmpl(string(pass), t.CType())}
}

// SoftmaxKernel returns softmax or log-softmax, forward or backward.
func SoftmaxKernel(t DType, log, backward bool) Kernel {
	name := "softmax_fwd"
	if backward {
		name = "softmax_bwd"
	}
	return Kernel{fileSoftmax, tmpl(name, t.CType(), boolArg(log))}
}

// CausalSoftmaxKernel returns the one-pass scaled causal softmax of
// scores of type t into weights of type out (t or F32).
func CausalSoftmaxKernel(t, out DType) Kernel {
	return Kernel{fileSoftmax, tmpl("softmax_causal_fwd", t.CType(), out.CType())}
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

// AdamWKernel returns the fused AdamW step with accumulator-typed state.
func AdamWKernel(t DType) Kernel { return Kernel{fileOptim, tmpl("adamw", t.CType())} }

// SGDKernel returns the fused SGD step with an accumulator-typed buffer.
func SGDKernel(t DType) Kernel { return Kernel{fileOptim, tmpl("sgd", t.CType())} }

// OptimKernel returns backend.OptimStep's fused update of every kind, with
// state of the parameter's type.
func OptimKernel(t DType) Kernel { return Kernel{fileOptim, tmpl("optim_step", t.CType())} }

// OptimMultiKernel returns OptimKernel's update of up to OptimTensors
// parameters in one launch.
func OptimMultiKernel(t DType) Kernel { return Kernel{fileOptim, tmpl("optim_step_multi", t.CType())} }

// EmbeddingKernel returns the embedding lookup or its gradient.
func EmbeddingKernel(t DType, backward bool) Kernel {
	name := "embedding_fwd"
	if backward {
		name = "embedding_bwd"
	}
	return Kernel{fileEmbedding, tmpl(name, t.CType())}
}

// RandomKernel returns a Philox random-number kernel writing t.
func RandomKernel(kind RandomKind, t DType) Kernel {
	return Kernel{fileRandom, tmpl(string(kind), t.CType())}
}

// randomTypes lists the output types each random kernel is built for.
var randomTypes = map[RandomKind][]DType{
	Uniform: Float32Types, Normal: Float32Types, Dropout: FloatTypes, Uniform64: FloatTypes, Normal64: FloatTypes,
	Bernoulli: AllTypes, RandInt: AllTypes,
}

// randomKinds fixes the catalog order of the random kernels.
var randomKinds = []RandomKind{Uniform, Uniform64, Normal, Normal64, Bernoulli, RandInt, Dropout}

// AttentionKernel returns one pass of the fused attention.
func AttentionKernel(pass AttentionPass, t DType) Kernel {
	return Kernel{fileAttention, tmpl(string(pass), t.CType())}
}

// AttentionTCKernel returns one tensor-core pass of the fused attention for
// element type t (BF16 or F16) and head dim d (one of AttentionTCHeadDims).
func AttentionTCKernel(pass AttentionPass, t DType, d int) Kernel {
	return Kernel{fileAttentionTC, tmpl(string(pass), t.CType(), strconv.Itoa(d))}
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
		if t != F64 {
			add(CausalSoftmaxKernel(t, t))
			if t != F32 {
				add(CausalSoftmaxKernel(t, F32))
			}
		}
		add(CrossEntropyKernel(t, false))
		add(CrossEntropyKernel(t, true))
		for _, p := range []LayerNormPass{LayerNormForward, LayerNormBackward, LayerNormBackwardParams, LayerNormParamsSum} {
			add(LayerNormKernel(p, t))
		}
		add(AdamWKernel(t))
		add(SGDKernel(t))
		add(OptimKernel(t))
		add(OptimMultiKernel(t))
		add(EmbeddingKernel(t, false))
		add(EmbeddingKernel(t, true))
		for _, p := range []ConvPass{Im2col, Col2im, MaxPool2d} {
			add(ConvKernel(p, t))
		}
	}
	for _, t := range IntTypes {
		add(UnaryIntKernel(t))
		add(BinaryIntKernel(t))
	}
	for _, t := range AllTypes {
		add(CompareKernel(t))
		add(UnaryBoolKernel(t))
		add(FillKernel(t))
		add(ArangeKernel(t))
		add(IndexAddKernel(t))
		add(ScatterKernel(t))
		add(SortKernel(SortRows, t))
		add(SortKernel(SortTiles, t))
	}
	for _, to := range AllTypes {
		for _, from := range AllTypes {
			add(CastKernel(to, from))
		}
	}
	for _, t := range sizeTypes {
		add(WhereKernel(t))
		add(IndexSelectKernel(t))
		add(GatherKernel(t))
		add(NonzeroKernel(NonzeroCount, t))
		add(NonzeroKernel(NonzeroWrite, t))
		add(SortKernel(SortGather, t))
	}
	add(NonzeroKernel(NonzeroOffsets, F32))
	add(SortKernel(SortMerge, F32))
	for _, pair := range reducePairs {
		add(ReduceAxesKernel(pair[0], pair[1]))
	}
	for _, t := range ArgTypes {
		add(ArgReduceAxisKernel(t))
	}
	for _, t := range CumTypes {
		add(CumulativeKernel(t, true))
		add(CumulativeKernel(t, false))
	}
	for _, kind := range randomKinds {
		for _, t := range randomTypes[kind] {
			add(RandomKernel(kind, t))
		}
	}
	for _, t := range AttentionTypes {
		for _, p := range []AttentionPass{AttentionForward, AttentionBackwardPre, AttentionBackwardDQ, AttentionBackwardKV} {
			add(AttentionKernel(p, t))
		}
	}
	for _, t := range AttentionTCTypes {
		for _, d := range AttentionTCHeadDims {
			for _, p := range []AttentionPass{AttentionTCForward, AttentionTCBackwardDQ, AttentionTCBackwardKV} {
				add(AttentionTCKernel(p, t, d))
			}
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
