package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
)

// goldenFile is one entry of testdata/golden/golden.json, written by
// testdata/gen/make_golden.py.
type goldenFile struct {
	Metadata  map[string]string `json:"metadata"`
	Canonical string            `json:"canonical"`
	Tensors   []struct {
		Name    string    `json:"name"`
		DType   DType     `json:"dtype"`
		Shape   []int     `json:"shape"`
		Offsets [2]int64  `json:"offsets"`
		Hex     string    `json:"hex"`
		Values  *[]string `json:"values"`
	} `json:"tensors"`
}

func loadGolden(t *testing.T) map[string]goldenFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "golden", "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g map[string]goldenFile
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if len(g) == 0 {
		t.Fatal("golden.json lists no files")
	}
	return g
}

// openers are the ways a test can get a *File for a path.
var openers = []struct {
	name string
	open func(t *testing.T, path string) *File
}{
	{"Open", func(t *testing.T, path string) *File {
		f, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}},
	{"Read/os.File", func(t *testing.T, path string) *File {
		fd, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { fd.Close() })
		st, err := fd.Stat()
		if err != nil {
			t.Fatal(err)
		}
		f, err := Read(fd, st.Size())
		if err != nil {
			t.Fatal(err)
		}
		return f
	}},
	{"Read/bytes", func(t *testing.T, path string) *File {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := Read(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}},
}

func TestGoldenRead(t *testing.T) {
	for file, want := range loadGolden(t) {
		for _, op := range openers {
			t.Run(file+"/"+op.name, func(t *testing.T) {
				f := op.open(t, filepath.Join("testdata", "golden", file))
				defer f.Close()
				if op.name == "Open" && f.Mapped() != canMap {
					t.Errorf("Mapped() = %v, want %v", f.Mapped(), canMap)
				}
				if !reflect.DeepEqual(f.Metadata, want.Metadata) {
					t.Errorf("Metadata = %q, want %q", f.Metadata, want.Metadata)
				}
				if len(f.Tensors) != len(want.Tensors) {
					t.Fatalf("%d tensors, want %d", len(f.Tensors), len(want.Tensors))
				}
				for i, w := range want.Tensors {
					got := f.Tensors[i]
					wantInfo := TensorInfo{Name: w.Name, DType: w.DType, Shape: w.Shape, Offsets: w.Offsets}
					if !reflect.DeepEqual(got, wantInfo) {
						t.Errorf("Tensors[%d] = %+v, want %+v", i, got, wantInfo)
					}
					if info, ok := f.Tensor(w.Name); !ok || info.Name != w.Name {
						t.Errorf("Tensor(%q) = %+v, %v", w.Name, info, ok)
					}
					data, err := f.Bytes(w.Name)
					if err != nil {
						t.Fatal(err)
					}
					if got := hex.EncodeToString(data); got != w.Hex {
						t.Errorf("%q: bytes %s, want %s", w.Name, got, w.Hex)
					}
					buf := make([]byte, got.ByteLen())
					if err := f.ReadInto(w.Name, buf); err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(buf, data) {
						t.Errorf("%q: ReadInto and Bytes differ", w.Name)
					}
					if w.Values != nil {
						checkValues(t, w.Name, w.DType, data, *w.Values)
					}
				}
			})
		}
	}
}

// TestGoldenWrite checks that Write lays out the golden tensors exactly as
// the independent Python writer did.
func TestGoldenWrite(t *testing.T) {
	for file, g := range loadGolden(t) {
		t.Run(file, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join("testdata", "golden", g.Canonical))
			if err != nil {
				t.Fatal(err)
			}
			var tensors []Tensor
			for _, w := range g.Tensors {
				data, err := hex.DecodeString(w.Hex)
				if err != nil {
					t.Fatal(err)
				}
				tensors = append(tensors, Tensor{Name: w.Name, DType: w.DType, Shape: w.Shape, Data: data})
			}
			var buf bytes.Buffer
			if err := Write(&buf, tensors, g.Metadata); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("Write output differs from %s:\n got %q\nwant %q", g.Canonical, buf.Bytes(), want)
			}
		})
	}
}

// checkValues decodes data as dtype with naive decoders and compares every
// element with the values torch or numpy reported.
func checkValues(t *testing.T, name string, dt DType, data []byte, want []string) {
	t.Helper()
	var got []string // integers in decimal
	var gotF []float64
	le := binary.LittleEndian
	for i := 0; i < len(data); {
		switch dt {
		case Bool, U8:
			got = append(got, strconv.FormatUint(uint64(data[i]), 10))
			i++
		case I8:
			got = append(got, strconv.FormatInt(int64(int8(data[i])), 10))
			i++
		case I16:
			got = append(got, strconv.FormatInt(int64(int16(le.Uint16(data[i:]))), 10))
			i += 2
		case U16:
			got = append(got, strconv.FormatUint(uint64(le.Uint16(data[i:])), 10))
			i += 2
		case I32:
			got = append(got, strconv.FormatInt(int64(int32(le.Uint32(data[i:]))), 10))
			i += 4
		case U32:
			got = append(got, strconv.FormatUint(uint64(le.Uint32(data[i:])), 10))
			i += 4
		case I64:
			got = append(got, strconv.FormatInt(int64(le.Uint64(data[i:])), 10))
			i += 8
		case U64:
			got = append(got, strconv.FormatUint(le.Uint64(data[i:]), 10))
			i += 8
		case F16:
			gotF = append(gotF, halfToFloat64(le.Uint16(data[i:])))
			i += 2
		case BF16:
			gotF = append(gotF, float64(math.Float32frombits(uint32(le.Uint16(data[i:]))<<16)))
			i += 2
		case F32, C64:
			gotF = append(gotF, float64(math.Float32frombits(le.Uint32(data[i:]))))
			i += 4
		case F64:
			gotF = append(gotF, math.Float64frombits(le.Uint64(data[i:])))
			i += 8
		default:
			t.Fatalf("%q: no decoder for %s", name, dt)
		}
	}
	if gotF == nil {
		if !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("%q: values %v, want %v", name, got, want)
		}
		return
	}
	if len(gotF) != len(want) {
		t.Fatalf("%q: %d values, want %d", name, len(gotF), len(want))
	}
	for i, s := range want {
		w, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		g := gotF[i]
		if !(math.IsNaN(g) && math.IsNaN(w)) && math.Float64bits(g) != math.Float64bits(w) {
			t.Errorf("%q[%d] = %v, want %v (%s)", name, i, g, w, s)
		}
	}
}

// halfToFloat64 decodes an IEEE 754 binary16 value from its definition.
func halfToFloat64(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1f
	frac := float64(h & 0x3ff)
	switch exp {
	case 0:
		return sign * math.Ldexp(frac, -24)
	case 0x1f:
		if frac != 0 {
			return math.NaN()
		}
		return math.Inf(int(sign))
	}
	return sign * math.Ldexp(1+frac/1024, exp-15)
}
