package kernels

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/internal/philox"
)

// philoxRef is Philox4x32-10 written from the paper's definition.
func philoxRef(ctr [4]uint32, key [2]uint32) [4]uint32 {
	for r := 0; r < 10; r++ {
		if r > 0 {
			key[0] += 0x9E3779B9
			key[1] += 0xBB67AE85
		}
		hi0, lo0 := bits.Mul32(0xD2511F53, ctr[0])
		hi1, lo1 := bits.Mul32(0xCD9E8D57, ctr[2])
		ctr = [4]uint32{hi1 ^ ctr[1] ^ key[0], lo1, hi0 ^ ctr[3] ^ key[1], lo0}
	}
	return ctr
}

// TestPhiloxKnownAnswers checks the reference against Random123's
// kat_vectors for philox4x32 with 10 rounds.
func TestPhiloxKnownAnswers(t *testing.T) {
	for _, tc := range []struct {
		ctr  [4]uint32
		key  [2]uint32
		want [4]uint32
	}{
		{[4]uint32{}, [2]uint32{}, [4]uint32{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
		{[4]uint32{^uint32(0), ^uint32(0), ^uint32(0), ^uint32(0)}, [2]uint32{^uint32(0), ^uint32(0)},
			[4]uint32{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
		{[4]uint32{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, [2]uint32{0xa4093822, 0x299f31d0},
			[4]uint32{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
	} {
		if got := philoxRef(tc.ctr, tc.key); got != tc.want {
			t.Errorf("philox(%x, %x) = %x, want %x", tc.ctr, tc.key, got, tc.want)
		}
		if got := philox.Block(tc.ctr, tc.key); got != tc.want {
			t.Errorf("philox.Block(%x, %x) = %x, want %x", tc.ctr, tc.key, got, tc.want)
		}
	}
}

// randomCase is one fill, described for both the kernels and package
// philox.
type randomCase struct {
	kind       RandomKind
	seed, off  uint64
	x, y       float64 // bounds, mean and std, or p (x)
	lo, hi     int64   // RandInt
	n          int
	wantBits   []uint64 // philox's values as F32 or F64 bits (RandInt: int64)
	wantDType  DType    // F32 for the 32-bit transforms and Bernoulli, F64 or I64
	outputType DType
}

// philoxFill computes the reference values of c with package philox.
func philoxFill(c *randomCase) {
	n := c.n
	c.wantBits = make([]uint64, n)
	switch c.kind {
	case Uniform, Normal:
		v := make([]float32, n)
		if c.kind == Uniform {
			philox.FillUniform32(v, c.seed, c.off, float32(c.x), float32(c.y))
		} else {
			philox.FillNormal32(v, c.seed, c.off, float32(c.x), float32(c.y))
		}
		for i, x := range v {
			c.wantBits[i] = uint64(math.Float32bits(x))
		}
		c.wantDType = F32
	case Uniform64, Normal64:
		v := make([]float64, n)
		if c.kind == Uniform64 {
			philox.FillUniform64(v, c.seed, c.off, c.x, c.y)
		} else {
			philox.FillNormal64(v, c.seed, c.off, c.x, c.y)
		}
		for i, x := range v {
			c.wantBits[i] = math.Float64bits(x)
		}
		c.wantDType = F64
	case Bernoulli:
		v := make([]float32, n)
		philox.FillBernoulli(v, c.seed, c.off, c.x)
		for i, x := range v {
			c.wantBits[i] = uint64(math.Float32bits(x))
		}
		c.wantDType = F32
	case RandInt:
		v := make([]int64, n)
		philox.FillInt64(v, c.seed, c.off, c.lo, c.hi)
		for i, x := range v {
			c.wantBits[i] = uint64(x)
		}
		c.wantDType = I64
	}
}

// wantBytes returns the reference values converted to the output type as
// the CPU backend's Copy does, encoded.
func (c *randomCase) wantBytes(out DType) []byte {
	raw := make([]byte, c.n*c.wantDType.Size())
	for i, b := range c.wantBits {
		if c.wantDType == F32 {
			binary.LittleEndian.PutUint32(raw[4*i:], uint32(b))
		} else {
			binary.LittleEndian.PutUint64(raw[8*i:], b)
		}
	}
	src := cpuBuffer(c.wantDType, raw)
	dst := zalloc(bdt(out), c.n)
	cpuBE.Copy(backend.Dense(dst, c.n), backend.Dense(src, c.n))
	return cpuBytes(dst)
}

// runRandom launches c's kernel for output type out and returns the
// encoded output.
func runRandom(t *testing.T, d *dev, c *randomCase, out DType) []byte {
	t.Helper()
	a := driver.NewArgs()
	buf := d.alloc(c.n * out.Size())
	var err error
	switch c.kind {
	case Uniform, Uniform64:
		err = PackUniform(a, c.kind, buf, int64(c.n), c.seed, c.off, c.x, c.y)
	case Normal, Normal64:
		err = PackNormal(a, c.kind, buf, int64(c.n), c.seed, c.off, c.x, c.y)
	case Bernoulli:
		err = PackBernoulli(a, buf, int64(c.n), c.seed, c.off, c.x)
	case RandInt:
		err = PackRandInt(a, buf, int64(c.n), c.seed, c.off, c.lo, c.hi)
	}
	d.launch(RandomKernel(c.kind, out), RandomLaunch(c.kind, int64(c.n), 3), a, err)
	return d.read(buf, c.n*out.Size())
}

// firstDiff returns the first element where two encodings of t differ, or
// -1.
func firstDiff(t DType, got, want []byte) int {
	for i := 0; i < len(want); i += t.Size() {
		if string(got[i:i+t.Size()]) != string(want[i:i+t.Size()]) {
			return i / t.Size()
		}
	}
	return -1
}

// TestRandomMatchesPhilox compares every random kernel bit for bit with
// package philox's fill functions, for every output type, on streams whose
// counters carry into their upper 64 bits and lengths that leave partial
// blocks.
func TestRandomMatchesPhilox(t *testing.T) {
	d := device(t)
	const seed = 0x0123456789abcdef
	for _, off := range []uint64{5, math.MaxUint64 - 100} {
		for _, c := range []randomCase{
			{kind: Uniform, x: 0, y: 1}, {kind: Uniform, x: -2.5, y: 3.1},
			{kind: Uniform64, x: 0, y: 1}, {kind: Uniform64, x: -2.5, y: 3.1},
			{kind: Normal, x: 0, y: 1}, {kind: Normal, x: 1.5, y: 0.25},
			{kind: Normal64, x: 0, y: 1}, {kind: Normal64, x: -3, y: 2},
			{kind: Bernoulli, x: 0.3}, {kind: Bernoulli, x: 1}, {kind: Bernoulli, x: 0},
			{kind: RandInt, lo: -5, hi: 7}, {kind: RandInt, lo: math.MinInt64, hi: math.MaxInt64},
		} {
			c.seed, c.off, c.n = seed, off, 4099
			philoxFill(&c)
			for _, out := range randomTypes[c.kind] {
				got, want := runRandom(t, d, &c, out), c.wantBytes(out)
				if i := firstDiff(out, got, want); i >= 0 {
					t.Errorf("%s %v (%v, %v, %d, %d) offset %#x: element %d = %v, want %v", c.kind, out, c.x, c.y,
						c.lo, c.hi, off, i, decode(out, got)[i], decode(out, want)[i])
				}
			}
		}
	}
}

// TestRandomGolden checks the kernels against internal/philox's golden
// file, written by an independent Python implementation.
func TestRandomGolden(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "internal", "philox", "testdata", "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Cases []struct {
			Seed   uint64          `json:"seed"`
			Offset uint64          `json:"offset"`
			Kind   string          `json:"kind"`
			Args   json.RawMessage `json:"args"`
			Out    json.RawMessage `json:"out"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	d := device(t)
	checked := 0
	for _, gc := range g.Cases {
		var c randomCase
		var args []uint64
		var iargs []int64
		var want []uint64
		c.seed, c.off = gc.Seed, gc.Offset
		switch gc.Kind {
		case "uniform32", "normal32":
			json.Unmarshal(gc.Args, &args)
			c.kind, c.x, c.y = Uniform, float64(math.Float32frombits(uint32(args[0]))), float64(math.Float32frombits(uint32(args[1])))
			if gc.Kind == "normal32" {
				c.kind = Normal
			}
			json.Unmarshal(gc.Out, &want)
		case "uniform64", "normal64":
			json.Unmarshal(gc.Args, &args)
			c.kind, c.x, c.y = Uniform64, math.Float64frombits(args[0]), math.Float64frombits(args[1])
			if gc.Kind == "normal64" {
				c.kind = Normal64
			}
			json.Unmarshal(gc.Out, &want)
		case "bernoulli":
			json.Unmarshal(gc.Args, &args)
			c.kind, c.x = Bernoulli, math.Float64frombits(args[0])
			json.Unmarshal(gc.Out, &want)
		case "int64":
			json.Unmarshal(gc.Args, &iargs)
			c.kind, c.lo, c.hi = RandInt, iargs[0], iargs[1]
			var w []int64
			json.Unmarshal(gc.Out, &w)
			for _, v := range w {
				want = append(want, uint64(v))
			}
		default:
			continue // uint32, uint64, int32: no kernel draws them
		}
		c.n = len(want)
		out := F64
		if c.kind == Uniform || c.kind == Normal {
			out = F32
		}
		if c.kind == RandInt {
			out = I64
		}
		got := runRandom(t, d, &c, out)
		for i, w := range want {
			var gb uint64
			switch out {
			case F32:
				gb = uint64(binary.LittleEndian.Uint32(got[4*i:]))
			default:
				gb = binary.LittleEndian.Uint64(got[8*i:])
			}
			if c.kind == Bernoulli {
				gb = uint64(math.Float64frombits(gb))
			}
			if gb != w {
				t.Errorf("golden %s seed %#x offset %#x args %s: element %d = %#x, want %#x", gc.Kind, gc.Seed, gc.Offset, gc.Args, i, gb, w)
				break
			}
		}
		checked++
	}
	if checked < 50 {
		t.Errorf("only %d golden cases checked", checked)
	}
}

// TestRandomLargeNormals runs the portable Log and SinCos2Pi over many
// pairs (100 000 normals) against philox, bit for bit.
func TestRandomLargeNormals(t *testing.T) {
	d := device(t)
	for _, c := range []randomCase{{kind: Normal64, x: 0, y: 1}, {kind: Normal, x: 0, y: 1}} {
		c.seed, c.off, c.n = 7, 0, 100_000
		philoxFill(&c)
		out := F64
		if c.kind == Normal {
			out = F32
		}
		got, want := runRandom(t, d, &c, out), c.wantBytes(out)
		if i := firstDiff(out, got, want); i >= 0 {
			t.Errorf("%s element %d = %v, want %v", c.kind, i, decode(out, got)[i], decode(out, want)[i])
		}
	}
}

func TestDropout(t *testing.T) {
	d := device(t)
	const n = 1001
	const seed, off = 99, 3
	a := driver.NewArgs()
	keep := make([]float32, n)
	philox.FillBernoulli(keep, seed, off, 0.75)
	for _, dt := range FloatTypes {
		in, inv := d.upload(dt, randRange(rand.New(rand.NewPCG(13, 13)), n, -1, 1))
		out, mask := d.alloc(n*dt.Size()), d.alloc(n)
		d.launch(RandomKernel(Dropout, dt), RandomLaunch(Dropout, n, 2), a, PackDropout(a, out, mask, in, n, seed, off, 0.25))
		got, gotM := d.download(dt, out, n), d.read(mask, n)
		want := make([]float64, n)
		for i := range want {
			if keep[i] == 1 {
				want[i] = inv[i] / 0.75
			}
			if gotM[i] != uint8(keep[i]) {
				t.Fatalf("%v dropout mask[%d] = %d, want %v", dt, i, gotM[i], keep[i])
			}
		}
		checkClose(t, fmt.Sprintf("%v dropout", dt), dt, got, roundTo(dt, want))
	}
	for _, p := range []float64{-0.1, 1.5, math.NaN()} {
		if err := PackDropout(a, 0, 0, 0, 1, 0, 0, p); err == nil {
			t.Errorf("dropout p=%v accepted", p)
		}
	}
}

func TestRandomPackErrors(t *testing.T) {
	a := driver.NewArgs()
	for name, err := range map[string]error{
		"uniform inf":      PackUniform(a, Uniform, 0, 1, 0, 0, 0, math.Inf(1)),
		"uniform lo>hi":    PackUniform(a, Uniform64, 0, 1, 0, 0, 2, 1),
		"uniform too wide": PackUniform(a, Uniform64, 0, 1, 0, 0, -math.MaxFloat64, math.MaxFloat64),
		"uniform kind":     PackUniform(a, Normal, 0, 1, 0, 0, 0, 1),
		"normal kind":      PackNormal(a, Uniform, 0, 1, 0, 0, 0, 1),
		"bernoulli NaN":    PackBernoulli(a, 0, 1, 0, 0, math.NaN()),
		"randint empty":    PackRandInt(a, 0, 1, 0, 0, 3, 3),
		"negative n":       PackBernoulli(a, 0, -1, 0, 0, 0.5),
	} {
		if err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if RandomCounters(Uniform, 5) != 2 || RandomCounters(Normal64, 5) != 3 || RandomCounters(RandInt, 4) != 2 {
		t.Error("RandomCounters")
	}
}

func TestRandomStreamsContinue(t *testing.T) {
	// Two calls with offsets advanced by Counters give the same numbers as
	// one call over both ranges when the first range is a multiple of 4.
	d := device(t)
	a := driver.NewArgs()
	const seed = 42
	whole := d.alloc(40 * 4)
	d.launch(RandomKernel(Uniform, F32), RandomLaunch(Uniform, 40, 1), a, PackUniform(a, Uniform, whole, 40, seed, 0, 0, 1))
	part := d.alloc(28 * 4)
	d.launch(RandomKernel(Uniform, F32), RandomLaunch(Uniform, 28, 1), a, PackUniform(a, Uniform, part, 28, seed, Counters(12), 0, 1))
	w, p := d.download(F32, whole, 40), d.download(F32, part, 28)
	for i := range p {
		if p[i] != w[12+i] {
			t.Fatalf("element %d of the second call = %v, want %v", i, p[i], w[12+i])
		}
	}
}
