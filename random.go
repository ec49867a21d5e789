package ember

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/internal/philox"
)

// Generator is a counter-based random number generator (Philox4x32-10): a
// seed and a position in its stream. Every random op takes the next block
// of the stream, so the same seed gives the same numbers on every run, on
// every thread count, and (by design) on the CPU and the GPU alike.
// A Generator is safe for concurrent use.
type Generator struct {
	mu     sync.Mutex
	seed   uint64
	offset uint64 // next unused Philox block (4 values per block)
}

// NewGenerator returns a generator seeded with seed.
func NewGenerator(seed uint64) *Generator { return &Generator{seed: seed} }

var defaultGen = NewGenerator(0x5eed_0f_e3be2)

// DefaultGenerator returns the generator random ops use when given none.
func DefaultGenerator() *Generator { return defaultGen }

// ManualSeed reseeds the default generator (like torch.manual_seed).
func ManualSeed(seed uint64) { defaultGen.ManualSeed(seed) }

// ManualSeed restarts the generator's stream from seed.
func (g *Generator) ManualSeed(seed uint64) {
	g.mu.Lock()
	g.seed, g.offset = seed, 0
	g.mu.Unlock()
}

// GeneratorState is a generator's position, for checkpoints.
type GeneratorState struct {
	Seed   uint64 `json:"seed"`
	Offset uint64 `json:"offset"`
}

// State returns the generator's seed and position.
func (g *Generator) State() GeneratorState {
	g.mu.Lock()
	defer g.mu.Unlock()
	return GeneratorState{g.seed, g.offset}
}

// SetState restores a position saved by State.
func (g *Generator) SetState(s GeneratorState) {
	g.mu.Lock()
	g.seed, g.offset = s.Seed, s.Offset
	g.mu.Unlock()
}

// reserve claims enough stream blocks for n values and returns the seed and
// the first block.
func (g *Generator) reserve(n int) (seed, offset uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	seed, offset = g.seed, g.offset
	g.offset += philox.Blocks64(n) + 1 // enough for 64-bit draws (two words per element)
	return
}

// Uint64 returns the next 64 random bits of the stream.
func (g *Generator) Uint64() uint64 {
	t := empty(cpuBackend, CPU, Int64, []int{2})
	seed, off := g.reserve(2)
	cpuBackend.Random(t.view(), backend.RandInt, seed, off, 0, 1<<32)
	v := t.Int64s()
	return uint64(v[0])<<32 | uint64(v[1])
}

func genOf(c createConfig) *Generator {
	if c.gen != nil {
		return c.gen
	}
	return defaultGen
}

func randomTensor(op string, shape []int, dist backend.Dist, a, b float64, c createConfig) *Tensor {
	checkShape(op, shape)
	be := backendFor(op, c.device)
	dt := c.dtype
	math32 := dt
	if !be.SupportsMath(dt) {
		math32 = Float32
	}
	t := empty(be, c.device, math32, shape)
	seed, off := genOf(c).reserve(t.Numel())
	be.Random(t.view(), dist, seed, off, a, b)
	if math32 != dt {
		t = t.castNoGrad(dt)
	}
	return c.finish(t)
}

// Rand returns values uniform in [0, 1).
func Rand(shape []int, opts ...Option) *Tensor {
	c := parseOptions("Rand", opts)
	floatOnly("Rand", c.dtype)
	return randomTensor("Rand", shape, backend.Uniform, 0, 1, c)
}

// Uniform returns values uniform in [lo, hi).
func Uniform(shape []int, lo, hi float64, opts ...Option) *Tensor {
	c := parseOptions("Uniform", opts)
	floatOnly("Uniform", c.dtype)
	return randomTensor("Uniform", shape, backend.Uniform, lo, hi, c)
}

// Randn returns values from the standard normal distribution.
func Randn(shape []int, opts ...Option) *Tensor {
	c := parseOptions("Randn", opts)
	floatOnly("Randn", c.dtype)
	return randomTensor("Randn", shape, backend.Normal, 0, 1, c)
}

// Normal returns values from the normal distribution N(mean, std²).
func Normal(shape []int, mean, std float64, opts ...Option) *Tensor {
	c := parseOptions("Normal", opts)
	floatOnly("Normal", c.dtype)
	if std < 0 {
		panic(&ValueError{Op: "Normal", Msg: fmt.Sprintf("std must be >= 0, got %v", std)})
	}
	return randomTensor("Normal", shape, backend.Normal, mean, std, c)
}

// RandInt returns integers uniform in [lo, hi) (int64 unless an Option sets
// the dtype).
func RandInt(lo, hi int64, shape []int, opts ...Option) *Tensor {
	if hi <= lo {
		panic(&ValueError{Op: "RandInt", Msg: fmt.Sprintf("random_ expects 'from' to be less than 'to', but got from=%d >= to=%d", lo, hi)})
	}
	if hi-lo > 1<<32 {
		panic(&ValueError{Op: "RandInt", Msg: fmt.Sprintf("range [%d, %d) is wider than 2^32", lo, hi)})
	}
	c := parseOptions("RandInt", opts)
	if !c.hasDType {
		c.dtype = Int64
	}
	cc := c
	cc.dtype = Float64
	cc.requiresGrad = false
	t := randomTensor("RandInt", shape, backend.RandInt, float64(lo), float64(hi), cc)
	if c.dtype != Float64 {
		t = t.castNoGrad(c.dtype)
	}
	return c.finish(t)
}

func floatOnly(op string, d DType) {
	if !d.IsFloat() {
		panic(&DTypeError{Op: op, Msg: "needs a floating-point dtype, got " + d.String()})
	}
}

// Bernoulli returns 1 with probability p[i] and 0 otherwise, elementwise,
// with p's shape and dtype.
func Bernoulli(p *Tensor, opts ...Option) *Tensor {
	c := parseOptions("Bernoulli", append([]Option{p.dtype, p.st.dev}, opts...))
	floatOnly("Bernoulli", p.dtype)
	var out *Tensor
	pd := p.Detach()
	if pd.Lt(Scalar(0.0)).Any().Item() != 0 || pd.Gt(Scalar(1.0)).Any().Item() != 0 {
		panic(&ValueError{Op: "Bernoulli", Msg: "probabilities must be in [0, 1]"})
	}
	u := randomTensor("Bernoulli", p.shape, backend.Uniform, 0, 1, c)
	out = u.Lt(pd).To(p.dtype)
	return out
}

// BernoulliP returns a tensor of the given shape with ones at probability p.
func BernoulliP(shape []int, p float64, opts ...Option) *Tensor {
	if p < 0 || p > 1 || math.IsNaN(p) {
		panic(&ValueError{Op: "BernoulliP", Msg: fmt.Sprintf("p must be in [0, 1], got %v", p)})
	}
	c := parseOptions("BernoulliP", opts)
	return randomTensor("BernoulliP", shape, backend.Bernoulli, p, 0, c)
}

// Randperm returns a random permutation of 0..n-1 (int64).
func Randperm(n int, opts ...Option) *Tensor {
	if n < 0 {
		panic(&ValueError{Op: "Randperm", Msg: fmt.Sprintf("n must be non-negative, got %d", n)})
	}
	c := parseOptions("Randperm", opts)
	if !c.hasDType {
		c.dtype = Int64
	}
	// Sort random keys: parallel-friendly and the same on every device.
	keys := randomTensor("Randperm", []int{n}, backend.Uniform, 0, 1, createConfig{dtype: Float64, device: CPU, gen: c.gen})
	kv := keys.Float64s()
	perm := make([]int64, n)
	for i := range perm {
		perm[i] = int64(i)
	}
	sort.SliceStable(perm, func(i, j int) bool { return kv[perm[i]] < kv[perm[j]] })
	t := FromSlice(perm)
	if c.dtype != Int64 {
		t = t.castNoGrad(c.dtype)
	}
	if c.device != CPU {
		t = t.To(c.device)
	}
	return t
}

// Multinomial draws n category indices from each row of probs (1-D or 2-D,
// non-negative weights not necessarily summing to 1), with or without
// replacement, returning int64 indices of shape [rows, n] (or [n]).
func Multinomial(probs *Tensor, n int, replacement bool, opts ...Option) *Tensor {
	c := parseOptions("Multinomial", opts)
	if probs.Dim() != 1 && probs.Dim() != 2 {
		panic(shapeErr("Multinomial", "prob_dist must be 1 or 2 dim, got shape "+shapeStr(probs.shape), probs.shape))
	}
	rows, k := 1, probs.Size(-1)
	if probs.Dim() == 2 {
		rows = probs.shape[0]
	}
	if !replacement && n > k {
		panic(&ValueError{Op: "Multinomial", Msg: fmt.Sprintf("cannot sample n_sample > prob_dist.size(-1) samples without replacement (%d > %d)", n, k)})
	}
	p := probs.Detach().To(CPU).Float64s()
	u := randomTensor("Multinomial", []int{rows * n}, backend.Uniform, 0, 1, createConfig{dtype: Float64, device: CPU, gen: c.gen}).Float64s()
	out := make([]int64, rows*n)
	for r := 0; r < rows; r++ {
		w := slices.Clone(p[r*k : (r+1)*k])
		for _, v := range w {
			if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				panic(&ValueError{Op: "Multinomial", Msg: "probability tensor contains either inf, nan or element < 0"})
			}
		}
		for s := 0; s < n; s++ {
			total := 0.0
			for _, v := range w {
				total += v
			}
			if total <= 0 {
				panic(&ValueError{Op: "Multinomial", Msg: "invalid multinomial distribution (sum of probabilities <= 0)"})
			}
			target := u[r*n+s] * total
			idx, acc := k-1, 0.0
			for j, v := range w {
				acc += v
				if target < acc && v > 0 {
					idx = j
					break
				}
			}
			for w[idx] == 0 && idx > 0 { // rounding landed past the last positive weight
				idx--
			}
			out[r*n+s] = int64(idx)
			if !replacement {
				w[idx] = 0
			}
		}
	}
	shape := []int{rows, n}
	if probs.Dim() == 1 {
		shape = []int{n}
	}
	t := FromSlice(out, shape...)
	if probs.st.dev != CPU {
		t = t.To(probs.st.dev)
	}
	return t
}

// RandLike returns uniform [0, 1) values with t's shape, dtype and device.
func RandLike(t *Tensor, opts ...Option) *Tensor { return Rand(t.shape, likeOpts(t, opts)...) }

// RandnLike returns standard normal values with t's shape, dtype and device.
func RandnLike(t *Tensor, opts ...Option) *Tensor { return Randn(t.shape, likeOpts(t, opts)...) }
