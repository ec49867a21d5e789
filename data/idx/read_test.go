package idx

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type fixture struct {
	DType  string    `json:"dtype"`
	Dims   []int     `json:"dims"`
	Values []float64 `json:"values"`
}

// TestReadFixtures reads files written by testdata/gen/idx_fixtures.py with
// numpy and compares every element with the values numpy recorded.
func TestReadFixtures(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]fixture
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if len(want) < 7 {
		t.Fatalf("expected.json lists %d fixtures, want 7", len(want))
	}
	for name, fx := range want {
		t.Run(name, func(t *testing.T) {
			f, err := ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			if f.DType.String() != fx.DType {
				t.Errorf("dtype = %s, want %s", f.DType, fx.DType)
			}
			if !equalInts(f.Dims, fx.Dims) {
				t.Errorf("dims = %v, want %v", f.Dims, fx.Dims)
			}
			got := f.AsFloat64()
			if len(got) != len(fx.Values) {
				t.Fatalf("%d values, want %d", len(got), len(fx.Values))
			}
			for i := range got {
				if got[i] != fx.Values[i] {
					t.Errorf("value %d = %v, want %v", i, got[i], fx.Values[i])
				}
			}
			checkTypedAccessor(t, f, fx.Values)
		})
	}
}

// checkTypedAccessor compares the accessor of the file's own type with want
// and checks that the accessors of other types refuse.
func checkTypedAccessor(t *testing.T, f *File, want []float64) {
	t.Helper()
	var got []float64
	var err error
	switch f.DType {
	case Uint8:
		var v []uint8
		v, err = f.Uint8s()
		for _, x := range v {
			got = append(got, float64(x))
		}
	case Int8:
		var v []int8
		v, err = f.Int8s()
		for _, x := range v {
			got = append(got, float64(x))
		}
	case Int16:
		var v []int16
		v, err = f.Int16s()
		for _, x := range v {
			got = append(got, float64(x))
		}
	case Int32:
		var v []int32
		v, err = f.Int32s()
		for _, x := range v {
			got = append(got, float64(x))
		}
	case Float32:
		var v []float32
		v, err = f.Float32s()
		for _, x := range v {
			got = append(got, float64(x))
		}
	case Float64:
		got, err = f.Float64s()
	}
	if err != nil {
		t.Fatalf("typed accessor: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("typed accessor gave %d values, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("typed value %d = %v, want %v", i, got[i], want[i])
		}
	}
	if f.DType != Float64 {
		if _, err := f.Float64s(); err == nil || !strings.Contains(err.Error(), "not float64") {
			t.Errorf("Float64s on %s: err = %v, want a type error", f.DType, err)
		}
	} else if _, err := f.Uint8s(); err == nil {
		t.Errorf("Uint8s on float64 data gave no error")
	}
}

// header builds an IDX header by hand.
func header(code byte, dims ...uint32) []byte {
	b := []byte{0, 0, code, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return b
}

func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadErrors(t *testing.T) {
	mnistHead := header(0x08, 60000, 28, 28)
	validSmall := append(header(0x08, 2, 2), 1, 2, 3, 4)
	corruptGz := gz(t, validSmall)
	corruptGz[len(corruptGz)-8] ^= 0xff // break the CRC32
	tests := []struct {
		name  string
		input []byte
		want  string
	}{
		{"empty", nil, "too short for the 4-byte magic"},
		{"short magic", []byte{0, 0}, "too short for the 4-byte magic"},
		{"bad magic", []byte{1, 2, 8, 1, 0, 0, 0, 0}, "bad magic number 01020801"},
		{"unknown dtype", []byte{0, 0, 0x0A, 1, 0, 0, 0, 0}, "unknown element type code 0x0a"},
		{"zero dims", []byte{0, 0, 8, 0}, "zero dimensions"},
		{"short header", []byte{0, 0, 8, 3, 0, 0, 0, 1}, "declares 3 dimensions but ends after 4 of 12 header bytes"},
		{"lying header", append(mnistHead, make([]byte, 1000)...), "idx: file says 60000×28×28 = 47040000 bytes but holds 1000"},
		{"lying gzip header", gz(t, append(mnistHead, make([]byte, 1000)...)), "file says 60000×28×28 = 47040000 bytes but holds 1000"},
		{"typed lying header", append(header(0x0D, 10, 3), make([]byte, 7)...), "file says 10×3 float32 = 120 bytes but holds 7"},
		{"trailing bytes", append(validSmall, 9, 9, 9), "has extra data after them (3 trailing bytes)"},
		{"over limit", header(0x0E, 1<<31, 1<<31), "over the limit of 4294967296"},
		{"overflow", header(0x0E, math.MaxUint32, math.MaxUint32, math.MaxUint32), "more than 2^63 bytes"},
		{"gzip checksum", corruptGz, "stream after them is broken"},
		{"gzip garbage", []byte{0x1f, 0x8b, 1, 2, 3}, "reading gzip header"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Read(bytes.NewReader(tc.input))
			if err == nil {
				t.Fatalf("Read succeeded with dims %v, want error containing %q", f.Dims, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

// TestReadLimit checks that a payload over the caller's limit is refused
// before reading it.
func TestReadLimit(t *testing.T) {
	in := append(header(0x08, 10, 10), make([]byte, 100)...)
	if _, err := ReadLimit(bytes.NewReader(in), 100); err != nil {
		t.Fatalf("limit equal to size: %v", err)
	}
	_, err := ReadLimit(bytes.NewReader(in), 99)
	if err == nil || !strings.Contains(err.Error(), "file says 10×10 = 100 bytes, over the limit of 99") {
		t.Fatalf("error = %v, want over-limit error", err)
	}
}

// TestReadLarge crosses the chunked-growth path with a payload larger than
// one chunk and checks every byte.
func TestReadLarge(t *testing.T) {
	const n = chunkSize + chunkSize/2 + 3
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(i*7 + i>>12)
	}
	f, err := Read(bytes.NewReader(append(header(0x08, n), data...)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(f.Data, data) {
		t.Fatal("payload differs")
	}
}

func TestWriteRoundTrip(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		f    *File
	}{
		{"plain.idx", &File{DType: Int16, Dims: []int{2, 2}, Data: []byte{0, 1, 0xff, 0xfe, 0x7f, 0xff, 0x80, 0}}},
		{"zipped.idx.gz", &File{DType: Uint8, Dims: []int{3}, Data: []byte{5, 6, 7}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			if err := WriteFile(path, tc.f); err != nil {
				t.Fatal(err)
			}
			raw, _ := os.ReadFile(path)
			isGz := len(raw) > 2 && raw[0] == 0x1f && raw[1] == 0x8b
			if isGz != strings.HasSuffix(tc.name, ".gz") {
				t.Errorf("gzip = %v for %s", isGz, tc.name)
			}
			got, err := ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got.DType != tc.f.DType || !equalInts(got.Dims, tc.f.Dims) || !bytes.Equal(got.Data, tc.f.Data) {
				t.Errorf("round trip = %+v, want %+v", got, tc.f)
			}
		})
	}
	v, _ := (&File{DType: Int16, Dims: []int{4}, Data: tests[0].f.Data}).Int16s()
	if want := []int16{1, -2, 32767, -32768}; !equalInt16(v, want) {
		t.Errorf("Int16s = %v, want %v", v, want)
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name string
		dt   DType
		dims []int
		data []byte
		want string
	}{
		{"bad dtype", 0x01, []int{1}, []byte{0}, "unknown element type code 0x01"},
		{"no dims", Uint8, nil, nil, "0 dimensions"},
		{"negative dim", Uint8, []int{-1}, nil, "dimension 0 is -1"},
		{"size mismatch", Int32, []int{2}, []byte{1, 2, 3}, "2 int32 needs 8 bytes but 3 were given"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.dt, tc.dims, tc.data)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want %q", err, tc.want)
			}
			if err := Write(&bytes.Buffer{}, &File{DType: tc.dt, Dims: tc.dims, Data: tc.data}); err == nil {
				t.Error("Write accepted an inconsistent File")
			}
		})
	}
}

func TestDTypeNames(t *testing.T) {
	tests := []struct {
		dt   DType
		name string
		size int
	}{
		{Uint8, "uint8", 1}, {Int8, "int8", 1}, {Int16, "int16", 2}, {Int32, "int32", 4},
		{Float32, "float32", 4}, {Float64, "float64", 8}, {0x0A, "DType(0x0a)", 0},
	}
	for _, tc := range tests {
		if tc.dt.String() != tc.name || tc.dt.Size() != tc.size {
			t.Errorf("%#x: String %q Size %d, want %q %d", uint8(tc.dt), tc.dt, tc.dt.Size(), tc.name, tc.size)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalInt16(a, b []int16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
