package nn

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/emberdl/ember"
)

func init() {
	registerLayer("Embedding", func(a layerArgs, opts []ember.Option) built {
		o := EmbeddingOptions{MaxNorm: a.Float("max_norm", 0), NormType: a.Float("norm_type", 2)}
		if a.Has("padding_idx") {
			o.PaddingIdx = new(a.Int("padding_idx", 0))
		}
		return single(NewEmbedding(a.Int("num", 0), a.Int("dim", 0), o, opts...))
	})
}

// TestEmbeddingInit checks N(0, 1) initialisation with a zero padding row.
func TestEmbeddingInit(t *testing.T) {
	e := NewEmbedding(2000, 16, EmbeddingOptions{PaddingIdx: new(-3)}, ember.NewGenerator(11))
	if *e.PaddingIdx != 1997 {
		t.Fatalf("padding_idx -3 normalised to %d, want 1997", *e.PaddingIdx)
	}
	if got := stateKeys(e); !slices.Equal(got, []string{"weight"}) {
		t.Fatalf("keys %v", got)
	}
	v := e.Weight.Float64s()
	for j := range 16 {
		if v[1997*16+j] != 0 {
			t.Fatalf("padding row not zero: %v", v[1997*16:1998*16])
		}
	}
	n, mean, sq := 0.0, 0.0, 0.0
	for i, x := range v {
		if i/16 == 1997 {
			continue
		}
		n++
		mean += x
		sq += x * x
	}
	mean /= n
	std := math.Sqrt(sq/n - mean*mean)
	if math.Abs(mean) > 5/math.Sqrt(n) || math.Abs(std-1) > 5/math.Sqrt(2*n) {
		t.Fatalf("weights have mean %.4f and std %.4f, want N(0, 1)", mean, std)
	}
}

// TestEmbeddingPaddingGradient checks that the padding row receives no
// gradient while its values are still returned.
func TestEmbeddingPaddingGradient(t *testing.T) {
	e := NewEmbeddingFromPretrained(ember.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 3, 2), false, EmbeddingOptions{PaddingIdx: new(1)})
	out := e.Forward(ember.FromSlice([]int64{1, 0, 1, 2}))
	if !slices.Equal(out.Float32s(), []float32{3, 4, 1, 2, 3, 4, 5, 6}) {
		t.Fatalf("lookup %v", out.Float32s())
	}
	out.Sum().Backward()
	if got := e.Weight.Grad().Float32s(); !slices.Equal(got, []float32{1, 1, 0, 0, 1, 1}) {
		t.Fatalf("gradient %v, want the padding row at zero", got)
	}
	frozen := NewEmbeddingFromPretrained(ember.Ones([]int{3, 2}), true, EmbeddingOptions{})
	if frozen.Weight.RequiresGrad() || NumParams(frozen, true) != 0 {
		t.Fatal("a frozen pretrained embedding must not be trainable")
	}
}

func TestEmbeddingErrors(t *testing.T) {
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"padding high", func() { NewEmbedding(3, 2, EmbeddingOptions{PaddingIdx: new(3)}) }, "Padding_idx must be within num_embeddings"},
		{"padding low", func() { NewEmbedding(3, 2, EmbeddingOptions{PaddingIdx: new(-4)}) }, "Padding_idx must be within num_embeddings"},
		{"max norm", func() { NewEmbedding(3, 2, EmbeddingOptions{MaxNorm: -1}) }, "max_norm must be positive"},
		{"negative", func() { NewEmbedding(-1, 2, EmbeddingOptions{}) }, "sizes must be non-negative"},
		{"pretrained rank", func() { NewEmbeddingFromPretrained(ember.Zeros([]int{3}), true, EmbeddingOptions{}) }, "Embeddings parameter is expected to be 2-dimensional"},
		{"float ids", func() { NewEmbedding(3, 2, EmbeddingOptions{}).Forward(ember.Zeros([]int{2})) }, "expected the indices to be an int64 or int32 tensor"},
		{"out of range", func() { NewEmbedding(3, 2, EmbeddingOptions{}).Forward(ember.FromSlice([]int64{3})) }, "index 3 is out of bounds for dimension 0 with size 3"},
	}
	for _, c := range cases {
		err := ember.Catch(c.f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to mention %q", c.name, err, c.want)
		}
	}
}
