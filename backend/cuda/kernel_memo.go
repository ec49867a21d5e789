package cuda

import (
	"sync"

	"github.com/emberdl/ember/backend/cuda/kernels"
)

// The kernels package builds a kernel's name expression with string
// concatenation on every call; ops look kernels up here instead, so that a
// launch allocates nothing.

// kernelKey identifies one kernel instantiation of the catalog functions.
type kernelKey struct {
	name   string
	a, b   kernels.DType
	s      string
	n      int
	f1, f2 bool
}

var kernelMemo struct {
	sync.RWMutex
	m map[kernelKey]kernels.Kernel
}

// memoKernel returns the kernel of key, building it once.
func memoKernel(key kernelKey, build func() kernels.Kernel) kernels.Kernel {
	kernelMemo.RLock()
	k, ok := kernelMemo.m[key]
	kernelMemo.RUnlock()
	if ok {
		return k
	}
	k = build()
	kernelMemo.Lock()
	if kernelMemo.m == nil {
		kernelMemo.m = map[kernelKey]kernels.Kernel{}
	}
	kernelMemo.m[key] = k
	kernelMemo.Unlock()
	return k
}

func unaryKernelOf(t kernels.DType) kernels.Kernel {
	return memoKernel(kernelKey{name: "unary", a: t}, func() kernels.Kernel { return kernels.UnaryKernel(t) })
}

func binaryKernelOf(t kernels.DType) kernels.Kernel {
	return memoKernel(kernelKey{name: "binary", a: t}, func() kernels.Kernel { return kernels.BinaryKernel(t) })
}

func compareKernelOf(t kernels.DType) kernels.Kernel {
	return memoKernel(kernelKey{name: "compare", a: t}, func() kernels.Kernel { return kernels.CompareKernel(t) })
}

func fillKernelOf(t kernels.DType) kernels.Kernel {
	return memoKernel(kernelKey{name: "fill", a: t}, func() kernels.Kernel { return kernels.FillKernel(t) })
}

func castKernelOf(to, from kernels.DType) kernels.Kernel {
	return memoKernel(kernelKey{name: "cast", a: to, b: from}, func() kernels.Kernel { return kernels.CastKernel(to, from) })
}

func reduceKernelOf(op kernels.ReduceOp, t kernels.DType, last bool) kernels.Kernel {
	return memoKernel(kernelKey{name: "reduce", a: t, s: string(op), f1: last}, func() kernels.Kernel {
		return kernels.ReduceKernel(op, t, last)
	})
}

func argReduceKernelOf(op kernels.ArgOp, t kernels.DType, last bool) kernels.Kernel {
	return memoKernel(kernelKey{name: "arg", a: t, s: string(op), f1: last}, func() kernels.Kernel {
		return kernels.ArgReduceKernel(op, t, last)
	})
}

func softmaxKernelOf(t kernels.DType, log, backward bool) kernels.Kernel {
	return memoKernel(kernelKey{name: "softmax", a: t, f1: log, f2: backward}, func() kernels.Kernel {
		return kernels.SoftmaxKernel(t, log, backward)
	})
}

func layerNormKernelOf(pass kernels.LayerNormPass, t kernels.DType) kernels.Kernel {
	return memoKernel(kernelKey{name: "layernorm", a: t, s: string(pass)}, func() kernels.Kernel {
		return kernels.LayerNormKernel(pass, t)
	})
}

func sgdKernelOf(t kernels.DType) kernels.Kernel {
	return memoKernel(kernelKey{name: "sgd", a: t}, func() kernels.Kernel { return kernels.SGDKernel(t) })
}

func adamWKernelOf(t kernels.DType) kernels.Kernel {
	return memoKernel(kernelKey{name: "adamw", a: t}, func() kernels.Kernel { return kernels.AdamWKernel(t) })
}

func embeddingKernelOf(t kernels.DType, backward bool) kernels.Kernel {
	return memoKernel(kernelKey{name: "embedding", a: t, f1: backward}, func() kernels.Kernel {
		return kernels.EmbeddingKernel(t, backward)
	})
}

func randomKernelOf(kind kernels.RandomKind, t kernels.DType) kernels.Kernel {
	return memoKernel(kernelKey{name: "random", a: t, s: string(kind)}, func() kernels.Kernel {
		return kernels.RandomKernel(kind, t)
	})
}

func unaryIntKernelOf(t kernels.DType) kernels.Kernel {
	return memoKernel(kernelKey{name: "unary_int", a: t}, func() kernels.Kernel { return kernels.UnaryIntKernel(t) })
}

func unaryBoolKernelOf(t kernels.DType) kernels.Kernel {
	return memoKernel(kernelKey{name: "unary_bool", a: t}, func() kernels.Kernel { return kernels.UnaryBoolKernel(t) })
}

func binaryIntKernelOf(t kernels.DType) kernels.Kernel {
	return memoKernel(kernelKey{name: "binary_int", a: t}, func() kernels.Kernel { return kernels.BinaryIntKernel(t) })
}

func whereKernelOf(t kernels.DType) kernels.Kernel {
	return memoKernel(kernelKey{name: "where", a: t}, func() kernels.Kernel { return kernels.WhereKernel(t) })
}

func arangeKernelOf(t kernels.DType) kernels.Kernel {
	return memoKernel(kernelKey{name: "arange", a: t}, func() kernels.Kernel { return kernels.ArangeKernel(t) })
}

func argAxisKernelOf(t kernels.DType) kernels.Kernel {
	return memoKernel(kernelKey{name: "arg_axis", a: t}, func() kernels.Kernel { return kernels.ArgReduceAxisKernel(t) })
}

func optimKernelOf(t kernels.DType) kernels.Kernel {
	return memoKernel(kernelKey{name: "optim", a: t}, func() kernels.Kernel { return kernels.OptimKernel(t) })
}

func optimMultiKernelOf(t kernels.DType) kernels.Kernel {
	return memoKernel(kernelKey{name: "optim_multi", a: t}, func() kernels.Kernel { return kernels.OptimMultiKernel(t) })
}

func convKernelOf(pass kernels.ConvPass, t kernels.DType) kernels.Kernel {
	return memoKernel(kernelKey{name: "conv", a: t, s: string(pass)}, func() kernels.Kernel { return kernels.ConvKernel(pass, t) })
}

func indexSelectKernelOf(t kernels.DType) kernels.Kernel {
	return memoKernel(kernelKey{name: "index_select", a: t}, func() kernels.Kernel { return kernels.IndexSelectKernel(t) })
}

func indexAddKernelOf(t kernels.DType) kernels.Kernel {
	return memoKernel(kernelKey{name: "index_add", a: t}, func() kernels.Kernel { return kernels.IndexAddKernel(t) })
}

func gatherKernelOf(t kernels.DType) kernels.Kernel {
	return memoKernel(kernelKey{name: "gather", a: t}, func() kernels.Kernel { return kernels.GatherKernel(t) })
}

func scatterKernelOf(t kernels.DType) kernels.Kernel {
	return memoKernel(kernelKey{name: "scatter", a: t}, func() kernels.Kernel { return kernels.ScatterKernel(t) })
}

func nonzeroKernelOf(pass kernels.NonzeroPass, t kernels.DType) kernels.Kernel {
	return memoKernel(kernelKey{name: "nonzero", a: t, s: string(pass)}, func() kernels.Kernel { return kernels.NonzeroKernel(pass, t) })
}

func attentionKernelOf(pass kernels.AttentionPass, t kernels.DType) kernels.Kernel {
	return memoKernel(kernelKey{name: "attention", a: t, s: string(pass)}, func() kernels.Kernel { return kernels.AttentionKernel(pass, t) })
}

func attentionTCKernelOf(pass kernels.AttentionPass, t kernels.DType, d int) kernels.Kernel {
	return memoKernel(kernelKey{name: "attention_tc", a: t, s: string(pass), n: d}, func() kernels.Kernel { return kernels.AttentionTCKernel(pass, t, d) })
}

func crossEntropyKernelOf(t kernels.DType, backward bool) kernels.Kernel {
	return memoKernel(kernelKey{name: "cross_entropy", a: t, f1: backward}, func() kernels.Kernel { return kernels.CrossEntropyKernel(t, backward) })
}

func causalSoftmaxKernelOf(t, out kernels.DType) kernels.Kernel {
	return memoKernel(kernelKey{name: "causal_softmax", a: t, b: out}, func() kernels.Kernel { return kernels.CausalSoftmaxKernel(t, out) })
}
