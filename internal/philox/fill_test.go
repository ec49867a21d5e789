package philox

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/emberdl/ember/internal/parallel"
)

// fillers runs every fill function into fresh slices and returns the results
// as bit patterns, one slice per transform, so that different runs can be
// compared exactly.
func fillers(n int, seed, offset uint64) map[string][]uint64 {
	out := map[string][]uint64{}
	u32 := make([]uint32, n)
	FillUint32(u32, seed, offset)
	out["uint32"] = widen(u32, func(v uint32) uint64 { return uint64(v) })
	u64 := make([]uint64, n)
	FillUint64(u64, seed, offset)
	out["uint64"] = u64
	f32 := make([]float32, n)
	FillUniform32(f32, seed, offset, -2, 5)
	out["uniform32"] = widen(f32, func(v float32) uint64 { return uint64(math.Float32bits(v)) })
	FillNormal32(f32, seed, offset, 1, 3)
	out["normal32"] = widen(f32, func(v float32) uint64 { return uint64(math.Float32bits(v)) })
	FillBernoulli(f32, seed, offset, 0.3)
	out["bernoulli"] = widen(f32, func(v float32) uint64 { return uint64(v) })
	f64 := make([]float64, n)
	FillUniform64(f64, seed, offset, -2, 5)
	out["uniform64"] = widen(f64, math.Float64bits)
	FillNormal64(f64, seed, offset, 1, 3)
	out["normal64"] = widen(f64, math.Float64bits)
	i32 := make([]int32, n)
	FillInt32(i32, seed, offset, -7, 1000)
	out["int32"] = widen(i32, func(v int32) uint64 { return uint64(v) })
	i64 := make([]int64, n)
	FillInt64(i64, seed, offset, -7, 1<<40)
	out["int64"] = widen(i64, func(v int64) uint64 { return uint64(v) })
	return out
}

func widen[T any](s []T, f func(T) uint64) []uint64 {
	out := make([]uint64, len(s))
	for i, v := range s {
		out[i] = f(v)
	}
	return out
}

// perElement is how many elements one block yields for each transform.
var perElement = map[string]int{
	"uint32": 4, "uniform32": 4, "normal32": 4, "bernoulli": 4, "int32": 4,
	"uint64": 2, "uniform64": 2, "normal64": 2, "int64": 2,
}

// TestSplitInvariance checks that a fill gives the same values whatever the
// number of workers, and that filling the pieces of a slice separately, each
// at its own block offset, gives the same values as one fill of the whole.
func TestSplitInvariance(t *testing.T) {
	const n = 100_001 // many parallel chunks and a partial last block
	const seed, offset = 0x1234_5678_9abc_def0, 99
	defer parallel.SetWorkers(parallel.SetWorkers(1))
	ref := fillers(n, seed, offset)
	for _, w := range []int{2, 3, 8} {
		parallel.SetWorkers(w)
		got := fillers(n, seed, offset)
		for name, want := range ref {
			if i := firstDiff(got[name], want); i >= 0 {
				t.Errorf("%s with %d workers: element %d = %#x, with 1 worker %#x", name, w, i, got[name][i], want[i])
			}
		}
	}
	// Pieces: cut after a whole number of blocks, the second piece at its
	// own offset.
	for _, blocks := range []int{1, 1001, 12_345} {
		for _, per := range []int{2, 4} {
			c := blocks * per
			head := fillers(c, seed, offset)
			tail := fillers(n-c, seed, offset+uint64(blocks))
			for name, want := range ref {
				if perElement[name] != per {
					continue
				}
				if i := firstDiff(append(head[name], tail[name]...), want); i >= 0 {
					t.Errorf("%s cut after %d blocks: element %d differs", name, blocks, i)
				}
			}
		}
	}
}

func firstDiff(a, b []uint64) int {
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

// TestFillMatchesStream compares fills with the per-element Stream methods at
// scattered indices of a large fill.
func TestFillMatchesStream(t *testing.T) {
	const n = 100_003
	s := Stream{Seed: 77, Offset: math.MaxUint64 - 1000} // the counter carries mid-fill
	got := fillers(n, s.Seed, s.Offset)
	for i := uint64(0); i < n; i += 997 {
		want := map[string]uint64{
			"uint32":    uint64(s.Uint32(i)),
			"uint64":    s.Uint64(i),
			"uniform32": uint64(math.Float32bits(s.Uniform32(i, -2, 5))),
			"normal32":  uint64(math.Float32bits(s.Normal32(i, 1, 3))),
			"uniform64": math.Float64bits(s.Uniform64(i, -2, 5)),
			"normal64":  math.Float64bits(s.Normal64(i, 1, 3)),
			"int32":     uint64(s.Int32(i, -7, 1000)),
			"int64":     uint64(s.Int64(i, -7, 1<<40)),
		}
		if s.Bernoulli(i, 0.3) {
			want["bernoulli"] = 1
		} else {
			want["bernoulli"] = 0
		}
		for name, w := range want {
			if got[name][i] != w {
				t.Errorf("%s[%d]: fill %#x, Stream method %#x", name, i, got[name][i], w)
			}
		}
	}
}

func TestDeterminismAndSeeds(t *testing.T) {
	a := fillers(1000, 5, 0)
	b := fillers(1000, 5, 0)
	c := fillers(1000, 6, 0)
	d := fillers(1000, 5, 1000)
	for name := range a {
		if !slices.Equal(a[name], b[name]) {
			t.Errorf("%s: two fills with the same seed differ", name)
		}
		if slices.Equal(a[name], c[name]) || slices.Equal(a[name], d[name]) {
			t.Errorf("%s: a different seed or offset gave the same values", name)
		}
	}
}

func TestStreamLayout(t *testing.T) {
	s := Stream{Seed: 0x0123456789abcdef, Offset: math.MaxUint64 - 1}
	if k := s.Key(); k != [2]uint32{0x89abcdef, 0x01234567} {
		t.Errorf("Key() = %08x", k)
	}
	cases := []struct {
		j    uint64
		want [4]uint32
	}{
		{0, [4]uint32{0xfffffffe, 0xffffffff, 0, 0}},
		{1, [4]uint32{0xffffffff, 0xffffffff, 0, 0}},
		{2, [4]uint32{0, 0, 1, 0}},
		{7, [4]uint32{5, 0, 1, 0}},
	}
	for _, c := range cases {
		if got := s.Counter(c.j); got != c.want {
			t.Errorf("Counter(%d) = %08x, want %08x", c.j, got, c.want)
		}
		if got, want := s.Block(c.j), Block(c.want, s.Key()); got != want {
			t.Errorf("Block(%d) = %08x, want %08x", c.j, got, want)
		}
	}
	if got := s.Skip(3); got.Offset != 1 || got.Seed != s.Seed {
		t.Errorf("Skip(3) = %+v", got)
	}
	for i := uint64(0); i < 12; i++ {
		if got, want := s.Uint32(i), s.Block(i / 4)[i%4]; got != want {
			t.Errorf("Uint32(%d) = %08x, want %08x", i, got, want)
		}
		b := s.Block(i / 2)
		if got, want := s.Uint64(i), uint64(b[2*(i%2)])|uint64(b[2*(i%2)+1])<<32; got != want {
			t.Errorf("Uint64(%d) = %016x, want %016x", i, got, want)
		}
	}
	for _, c := range []struct {
		n        int
		b32, b64 uint64
	}{{0, 0, 0}, {1, 1, 1}, {2, 1, 1}, {3, 1, 2}, {4, 1, 2}, {5, 2, 3}, {1000, 250, 500}} {
		if Blocks32(c.n) != c.b32 || Blocks64(c.n) != c.b64 {
			t.Errorf("Blocks32/64(%d) = %d, %d, want %d, %d", c.n, Blocks32(c.n), Blocks64(c.n), c.b32, c.b64)
		}
	}
}

// TestTransformEdges checks the transforms on the words that reach the ends
// of their ranges.
func TestTransformEdges(t *testing.T) {
	below2 := math.Nextafter32(2, 0)
	cases := []struct {
		name      string
		got, want float64
	}{
		{"uniform32 [0,1) top", float64(newUniformRange32(0, 1).at(math.MaxUint32)), 1 - 0x1p-24},
		{"uniform32 [0,1) bottom", float64(newUniformRange32(0, 1).at(0xff)), 0},
		{"uniform32 [1,2) rounds to hi, clamped", float64(newUniformRange32(1, 2).at(math.MaxUint32)), float64(below2)},
		{"uniform32 [3,3)", float64(newUniformRange32(3, 3).at(12345)), 3},
		{"uniform32 [-1,1) mid", float64(newUniformRange32(-1, 1).at(0x80000000)), 0},
		{"uniform64 [0,1) top", newUniformRange64(0, 1).at(math.MaxUint64), 1 - 0x1p-53},
		{"uniform64 [1,2) clamped", newUniformRange64(1, 2).at(math.MaxUint64), math.Nextafter(2, 0)},
		{"int32 top", float64(int32At(math.MaxUint32, -5, 10)), 4},
		{"int32 bottom", float64(int32At(0, -5, 10)), -5},
		{"int32 full range top", float64(int32At(math.MaxUint32, math.MinInt32, int32Span(math.MinInt32, math.MaxInt32))), math.MaxInt32 - 1},
		{"int64 top", float64(int64At(math.MaxUint64, 100, 3)), 102},
		{"int64 full range bottom", float64(int64At(0, math.MinInt64, int64Span(math.MinInt64, math.MaxInt64))), math.MinInt64},
		{"open24 bottom", open24(0), 0x1p-24},
		{"open24 top", open24(math.MaxUint32), 1},
		{"open53 top", open53(math.MaxUint64), 1},
		{"threshold 0.5", float64(BernoulliThreshold(0.5)), 1 << 23},
		{"threshold tiny", float64(BernoulliThreshold(1e-30)), 1},
		{"threshold -1", float64(BernoulliThreshold(-1)), 0},
		{"threshold 2", float64(BernoulliThreshold(2)), 1 << 24},
		{"threshold 0.1", float64(BernoulliThreshold(0.1)), math.Ceil(0.1 * (1 << 24))},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	// Bernoulli(p) is exactly Uniform32(0, 1) < p.
	s := Stream{Seed: 3}
	for _, p := range []float64{0.1, 0.25, 1.0 / 3, 0.999} {
		for i := uint64(0); i < 4000; i++ {
			if s.Bernoulli(i, p) != (float64(s.Uniform32(i, 0, 1)) < p) {
				t.Fatalf("Bernoulli(%d, %v) disagrees with Uniform32 < p", i, p)
			}
		}
	}
}

func TestPanics(t *testing.T) {
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	cases := []struct {
		name string
		f    func()
	}{
		{"uniform32 lo > hi", func() { FillUniform32(make([]float32, 4), 0, 0, 2, 1) }},
		{"uniform32 NaN", func() { FillUniform32(make([]float32, 4), 0, 0, nan, 1) }},
		{"uniform32 Inf", func() { FillUniform32(make([]float32, 4), 0, 0, 0, inf) }},
		{"uniform64 too wide", func() { FillUniform64(make([]float64, 4), 0, 0, -math.MaxFloat64, math.MaxFloat64) }},
		{"int32 empty", func() { FillInt32(make([]int32, 4), 0, 0, 3, 3) }},
		{"int64 reversed", func() { FillInt64(make([]int64, 4), 0, 0, 3, -3) }},
		{"bernoulli NaN", func() { FillBernoulliBool(make([]bool, 4), 0, 0, math.NaN()) }},
		{"stream int32", func() { Stream{}.Int32(0, 1, 0) }},
	}
	for _, c := range cases {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", c.name)
				}
			}()
			c.f()
		}()
	}
}

func ExampleFillUniform32() {
	dst := make([]float32, 6)
	FillUniform32(dst, 42, 0, -1, 1)
	fmt.Printf("%.4f\n", dst)
	// Element 5 alone, from the same seed and offset:
	fmt.Printf("%.4f\n", Stream{Seed: 42}.Uniform32(5, -1, 1))
	// A second draw continues after the blocks the first consumed:
	FillUniform32(dst, 42, Blocks32(len(dst)), -1, 1)
	fmt.Printf("%.4f\n", dst)
	// Output:
	// [0.2259 -0.0628 -0.8535 -0.3183 0.9754 -0.3459]
	// -0.3459
	// [0.6517 0.3166 0.2055 0.5472 0.4592 0.3413]
}

func ExampleBlock() {
	// The first known-answer vector of Random123: zero counter, zero key.
	fmt.Printf("%08x\n", Block([4]uint32{}, [2]uint32{}))
	// Output: [6627e8d5 e169c58d bc57ac4c 9b00dbd8]
}
