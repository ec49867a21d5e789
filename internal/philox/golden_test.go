package philox

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// golden is testdata/golden.json, written by testdata/gen/make_golden.py: an
// independent Python implementation of every rule in the package
// documentation.
type golden struct {
	Cases []struct {
		Seed   uint64          `json:"seed"`
		Offset uint64          `json:"offset"`
		Kind   string          `json:"kind"`
		ArgsJS json.RawMessage `json:"args"`
		OutJS  json.RawMessage `json:"out"`
	} `json:"cases"`
	Log       [][2]uint64 `json:"log"`
	SinCos2Pi [][3]uint64 `json:"sincos2pi"`
	SinCoef   []uint64    `json:"sin_coef"`
	CosCoef   []uint64    `json:"cos_coef"`
}

func readGolden(t *testing.T) *golden {
	t.Helper()
	b, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Cases) == 0 || len(g.Log) == 0 || len(g.SinCos2Pi) == 0 {
		t.Fatal("golden file is missing sections")
	}
	return &g
}

func decode[T any](t *testing.T, raw json.RawMessage) []T {
	t.Helper()
	var v []T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// fillAndStream returns what the fill function and the per-element Stream
// method produce for one golden case, as the integer encoding the file uses.
func fillAndStream(t *testing.T, kind string, s Stream, argsJS json.RawMessage, n int) (fill, elem []uint64) {
	t.Helper()
	fill = make([]uint64, n)
	elem = make([]uint64, n)
	seed, off := s.Seed, s.Offset
	switch kind {
	case "uint32":
		d := make([]uint32, n)
		FillUint32(d, seed, off)
		for i := range d {
			fill[i], elem[i] = uint64(d[i]), uint64(s.Uint32(uint64(i)))
		}
	case "uint64":
		FillUint64(fill, seed, off)
		for i := range elem {
			elem[i] = s.Uint64(uint64(i))
		}
	case "uniform32":
		a := decode[uint32](t, argsJS)
		lo, hi := math.Float32frombits(a[0]), math.Float32frombits(a[1])
		d := make([]float32, n)
		FillUniform32(d, seed, off, lo, hi)
		for i := range d {
			fill[i] = uint64(math.Float32bits(d[i]))
			elem[i] = uint64(math.Float32bits(s.Uniform32(uint64(i), lo, hi)))
		}
	case "uniform64":
		a := decode[uint64](t, argsJS)
		lo, hi := math.Float64frombits(a[0]), math.Float64frombits(a[1])
		d := make([]float64, n)
		FillUniform64(d, seed, off, lo, hi)
		for i := range d {
			fill[i] = math.Float64bits(d[i])
			elem[i] = math.Float64bits(s.Uniform64(uint64(i), lo, hi))
		}
	case "int32":
		a := decode[int32](t, argsJS)
		d := make([]int32, n)
		FillInt32(d, seed, off, a[0], a[1])
		for i := range d {
			fill[i], elem[i] = uint64(int64(d[i])), uint64(int64(s.Int32(uint64(i), a[0], a[1])))
		}
	case "int64":
		a := decode[int64](t, argsJS)
		d := make([]int64, n)
		FillInt64(d, seed, off, a[0], a[1])
		for i := range d {
			fill[i], elem[i] = uint64(d[i]), uint64(s.Int64(uint64(i), a[0], a[1]))
		}
	case "bernoulli":
		p := math.Float64frombits(decode[uint64](t, argsJS)[0])
		d := make([]float32, n)
		FillBernoulli(d, seed, off, p)
		bools := make([]bool, n)
		FillBernoulliBool(bools, seed, off, p)
		for i := range d {
			fill[i] = uint64(d[i])
			if bools[i] != (d[i] == 1) {
				t.Errorf("FillBernoulliBool[%d] = %v, FillBernoulli = %v", i, bools[i], d[i])
			}
			if s.Bernoulli(uint64(i), p) {
				elem[i] = 1
			}
		}
	case "normal32":
		a := decode[uint32](t, argsJS)
		mean, std := math.Float32frombits(a[0]), math.Float32frombits(a[1])
		d := make([]float32, n)
		FillNormal32(d, seed, off, mean, std)
		for i := range d {
			fill[i] = uint64(math.Float32bits(d[i]))
			elem[i] = uint64(math.Float32bits(s.Normal32(uint64(i), mean, std)))
		}
	case "normal64":
		a := decode[uint64](t, argsJS)
		mean, std := math.Float64frombits(a[0]), math.Float64frombits(a[1])
		d := make([]float64, n)
		FillNormal64(d, seed, off, mean, std)
		for i := range d {
			fill[i] = math.Float64bits(d[i])
			elem[i] = math.Float64bits(s.Normal64(uint64(i), mean, std))
		}
	default:
		t.Fatalf("unknown golden kind %q", kind)
	}
	return fill, elem
}

// TestGoldenTransforms checks every fill function and every Stream method bit
// for bit against the Python reference, on streams whose counters carry.
func TestGoldenTransforms(t *testing.T) {
	g := readGolden(t)
	for ci, c := range g.Cases {
		var want []uint64
		if c.Kind == "int32" || c.Kind == "int64" {
			for _, v := range decode[int64](t, c.OutJS) {
				want = append(want, uint64(v))
			}
		} else {
			want = decode[uint64](t, c.OutJS)
		}
		s := Stream{Seed: c.Seed, Offset: c.Offset}
		fill, elem := fillAndStream(t, c.Kind, s, c.ArgsJS, len(want))
		for i := range want {
			if fill[i] != want[i] || elem[i] != want[i] {
				t.Errorf("case %d %s seed=%#x offset=%#x args=%s element %d: fill %#x, stream %#x, want %#x",
					ci, c.Kind, c.Seed, c.Offset, c.ArgsJS, i, fill[i], elem[i], want[i])
			}
		}
	}
}

func TestGoldenPortableMath(t *testing.T) {
	g := readGolden(t)
	for _, v := range g.Log {
		x := math.Float64frombits(v[0])
		if got := math.Float64bits(Log(x)); got != v[1] {
			t.Errorf("Log(%v) = %v, want %v", x, math.Float64frombits(got), math.Float64frombits(v[1]))
		}
	}
	for _, v := range g.SinCos2Pi {
		u := math.Float64frombits(v[0])
		s, c := SinCos2Pi(u)
		if math.Float64bits(s) != v[1] || math.Float64bits(c) != v[2] {
			t.Errorf("SinCos2Pi(%v) = %v, %v, want %v, %v", u, s, c, math.Float64frombits(v[1]), math.Float64frombits(v[2]))
		}
	}
	for k, b := range g.SinCoef {
		if math.Float64bits(sinCoef[k]) != b {
			t.Errorf("sinCoef[%d] = %x, Python says %x", k, sinCoef[k], math.Float64frombits(b))
		}
	}
	for k, b := range g.CosCoef {
		if math.Float64bits(cosCoef[k]) != b {
			t.Errorf("cosCoef[%d] = %x, Python says %x", k, cosCoef[k], math.Float64frombits(b))
		}
	}
}
