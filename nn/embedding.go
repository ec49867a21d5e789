package nn

import (
	"fmt"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/nn/initializer"
)

// EmbeddingOptions configures Embedding. The zero value gives PyTorch's
// defaults.
type EmbeddingOptions struct {
	// PaddingIdx, when set, names a row (negative counts from the end)
	// that is initialised to zeros and receives no gradient, as PyTorch's
	// padding_idx. Set it with new(0), for example.
	PaddingIdx *int
	// MaxNorm, when positive, renormalises each looked-up row whose
	// NormType-norm exceeds it to norm MaxNorm, in place, before the
	// lookup (max_norm).
	MaxNorm float64
	// NormType is the p of the norm for MaxNorm; 0 means 2.
	NormType float64
}

// Embedding is a lookup table of NumEmbeddings vectors of size
// EmbeddingDim (torch.nn.Embedding): integer ids of any shape give
// [ids..., EmbeddingDim].
type Embedding struct {
	Weight *ember.Tensor // [num_embeddings, embedding_dim], N(0, 1)

	NumEmbeddings, EmbeddingDim int
	PaddingIdx                  *int    // the row that gets no gradient (non-negative), or nil
	MaxNorm                     float64 // renormalise looked-up rows above this norm; 0 for none
	NormType                    float64 // the p of MaxNorm's norm
}

// NewEmbedding returns an Embedding initialised as PyTorch does: N(0, 1),
// with the padding row (if any) zeroed. Options give the dtype, device and
// generator.
func NewEmbedding(numEmbeddings, embeddingDim int, o EmbeddingOptions, opts ...ember.Option) *Embedding {
	const op = "nn.NewEmbedding"
	if numEmbeddings < 0 || embeddingDim < 0 {
		panic(valueErr(op, fmt.Sprintf("sizes must be non-negative, got num_embeddings=%d, embedding_dim=%d", numEmbeddings, embeddingDim)))
	}
	e := newEmbedding(op, numEmbeddings, embeddingDim, o)
	e.Weight = param([]int{numEmbeddings, embeddingDim}, opts)
	initializer.Normal(e.Weight, 0, 1, genOf(opts)...)
	if e.PaddingIdx != nil {
		ember.NoGrad(func() { e.Weight.Select(0, *e.PaddingIdx).ZeroInPlace() })
	}
	return e
}

// NewEmbeddingFromPretrained returns an Embedding holding a copy of
// weights [num_embeddings, embedding_dim] (Embedding.from_pretrained);
// with freeze the weight does not require gradients. The padding row keeps
// its values.
func NewEmbeddingFromPretrained(weights *ember.Tensor, freeze bool, o EmbeddingOptions) *Embedding {
	const op = "nn.NewEmbeddingFromPretrained"
	if weights.Dim() != 2 {
		panic(&ember.ShapeError{Op: op, Msg: fmt.Sprintf("Embeddings parameter is expected to be 2-dimensional, got %v", weights.Shape()), Shapes: [][]int{weights.Shape()}})
	}
	e := newEmbedding(op, weights.Size(0), weights.Size(1), o)
	e.Weight = weights.Detach().Clone().SetRequiresGrad(!freeze)
	return e
}

// newEmbedding checks the options and fills everything but the weight.
func newEmbedding(op string, n, d int, o EmbeddingOptions) *Embedding {
	e := &Embedding{NumEmbeddings: n, EmbeddingDim: d, MaxNorm: o.MaxNorm, NormType: o.NormType}
	if e.NormType == 0 {
		e.NormType = 2
	}
	if o.MaxNorm < 0 {
		panic(valueErr(op, fmt.Sprintf("max_norm must be positive, got %v", o.MaxNorm)))
	}
	if o.PaddingIdx != nil {
		p := *o.PaddingIdx
		switch {
		case p >= n:
			panic(valueErr(op, "Padding_idx must be within num_embeddings"))
		case p < -n:
			panic(valueErr(op, "Padding_idx must be within num_embeddings"))
		case p < 0:
			p += n
		}
		e.PaddingIdx = &p
	}
	return e
}

// Forward looks up the rows of the int64 (or int32) ids.
func (e *Embedding) Forward(ids *ember.Tensor) *ember.Tensor {
	if e.MaxNorm > 0 {
		e.renorm(ids)
	}
	out := ember.Embedding(ids, e.Weight)
	if e.PaddingIdx != nil && ember.GradEnabled() && e.Weight.RequiresGrad() {
		// The same values, but positions holding the padding id read a
		// detached weight, so that row gets no gradient.
		keep := ids.Ne(ember.FullLike(ids, float64(*e.PaddingIdx))).Unsqueeze(-1)
		out = ember.Where(keep, out, ember.Embedding(ids, e.Weight.Detach()))
	}
	return traced(e, out)
}

// renorm scales, in place and without recording, each row referenced by
// ids whose norm exceeds MaxNorm by MaxNorm/(norm + 1e-7), as PyTorch's
// embedding_renorm_.
func (e *Embedding) renorm(ids *ember.Tensor) {
	if ids.Numel() == 0 {
		return
	}
	ember.NoGrad(func() {
		uniq, _, _ := ids.Reshape(-1).Unique(true, false, false)
		uniq = uniq.To(ember.Int64)
		rows := e.Weight.IndexSelect(0, uniq)
		norms := rows.NormKeep(e.NormType, 1)
		scale := ember.Where(norms.Gt(ember.FullLike(norms, e.MaxNorm)), norms.AddScalar(1e-7).Reciprocal().MulScalar(e.MaxNorm), ember.OnesLike(norms))
		idx := uniq.Unsqueeze(1).Expand(uniq.Size(0), e.EmbeddingDim)
		e.Weight.CopyFrom(e.Weight.Scatter(0, idx, rows.Mul(scale)))
	})
}
