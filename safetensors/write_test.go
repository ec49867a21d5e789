package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func f32Bytes(vs ...float32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

// TestWriteReferenceVectors checks the exact bytes the reference
// implementation's own tests expect (safetensors/src/tensor.rs:
// test_serialization, test_empty, test_serialization_forced_alignement).
func TestWriteReferenceVectors(t *testing.T) {
	data := f32Bytes(0, 1, 2, 3, 4, 5)
	tests := []struct {
		name     string
		tensors  []Tensor
		metadata map[string]string
		want     []byte
	}{
		{"attn.0", []Tensor{{Name: "attn.0", DType: F32, Shape: []int{1, 2, 3}, Data: data}}, nil,
			append([]byte("\x40\x00\x00\x00\x00\x00\x00\x00"+
				`{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}`), data...)},
		{"forced alignment", []Tensor{{Name: "attn0", DType: F32, Shape: []int{1, 1, 2, 3}, Data: data}}, nil,
			append([]byte("\x48\x00\x00\x00\x00\x00\x00\x00"+
				`{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       `), data...)},
		{"empty", nil, nil, []byte("\x08\x00\x00\x00\x00\x00\x00\x00{}      ")},
		{"empty with metadata", nil, map[string]string{"framework": "pt"},
			[]byte("\x28\x00\x00\x00\x00\x00\x00\x00" + `{"__metadata__":{"framework":"pt"}}     `)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, tt.tensors, tt.metadata); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), tt.want) {
				t.Errorf("got\n%q\nwant\n%q", buf.Bytes(), tt.want)
			}
		})
	}
}

// randomTensor makes a tensor of dtype d with a random shape (the element
// count a multiple of 4, so that packed types fill whole bytes) and data.
func randomTensor(rng *rand.Rand, name string, d DType) Tensor {
	shape := []int{4 * rng.IntN(4)}
	for range rng.IntN(3) {
		shape = append(shape, 1+rng.IntN(5))
	}
	rng.Shuffle(len(shape), func(i, j int) { shape[i], shape[j] = shape[j], shape[i] })
	n, err := ByteLen(d, shape)
	if err != nil {
		panic(err)
	}
	return Tensor{Name: name, DType: d, Shape: shape, Data: randomBytes(rng, int(n))}
}

func TestRoundTripEveryDType(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	all := DTypes()
	if len(all) != 22 {
		t.Fatalf("DTypes() has %d entries, the specification lists 22", len(all))
	}
	var everything []Tensor
	for _, d := range all {
		one := []Tensor{randomTensor(rng, "x", d), {Name: "scalar", DType: d, Shape: nil, Data: nil}}
		if d.Bits()%8 == 0 {
			one[1].Shape, one[1].Data = []int{}, randomBytes(rng, d.Size())
		} else {
			one = one[:1] // a packed scalar does not fill a byte
		}
		t.Run(string(d), func(t *testing.T) { roundTrip(t, one, map[string]string{"dtype": string(d)}) })
		for i, tt := range one {
			tt.Name = fmt.Sprintf("%s.%d", d, i)
			everything = append(everything, tt)
		}
	}
	t.Run("all", func(t *testing.T) { roundTrip(t, everything, nil) })
}

// roundTrip writes tensors, reads them back every way and compares.
func roundTrip(t *testing.T, tensors []Tensor, metadata map[string]string) {
	t.Helper()
	path := writeTemp(t, tensors, metadata)
	for _, op := range openers {
		f := op.open(t, path)
		if len(metadata) == 0 && f.Metadata != nil || len(metadata) > 0 && !reflect.DeepEqual(f.Metadata, metadata) {
			t.Errorf("%s: Metadata = %q, want %q", op.name, f.Metadata, metadata)
		}
		if len(f.Tensors) != len(tensors) {
			t.Fatalf("%s: %d tensors, want %d", op.name, len(f.Tensors), len(tensors))
		}
		for _, want := range tensors {
			info, ok := f.Tensor(want.Name)
			if !ok {
				t.Fatalf("%s: %q missing", op.name, want.Name)
			}
			if info.DType != want.DType || !equalInts(info.Shape, want.Shape) || info.ByteLen() != int64(len(want.Data)) {
				t.Errorf("%s: %q read back as %+v", op.name, want.Name, info)
			}
			got, err := f.Bytes(want.Name)
			if err != nil || !bytes.Equal(got, want.Data) {
				t.Errorf("%s: %q data differs (%v)", op.name, want.Name, err)
			}
		}
		f.Close()
	}
}

func TestWriteDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	var tensors []Tensor
	for i, d := range DTypes() {
		tensors = append(tensors, randomTensor(rng, fmt.Sprintf("n%d", (i*7)%22), d))
		tensors = append(tensors, randomTensor(rng, fmt.Sprintf("m%d", (i*5)%22), d))
	}
	meta := map[string]string{}
	for i := range 20 {
		meta[fmt.Sprint("key", i)] = fmt.Sprint("value", i)
	}
	var first bytes.Buffer
	if err := Write(&first, tensors, meta); err != nil {
		t.Fatal(err)
	}
	// Canonical order: rank descending, then name.
	f, err := Read(bytes.NewReader(first.Bytes()), int64(first.Len()))
	if err != nil {
		t.Fatal(err)
	}
	byOffset := append([]TensorInfo(nil), f.Tensors...)
	for i := range byOffset {
		for j := i + 1; j < len(byOffset); j++ {
			if byOffset[j].Offsets[0] < byOffset[i].Offsets[0] ||
				byOffset[j].Offsets[0] == byOffset[i].Offsets[0] && byOffset[j].Offsets[1] < byOffset[i].Offsets[1] {
				byOffset[i], byOffset[j] = byOffset[j], byOffset[i]
			}
		}
	}
	for i := 1; i < len(byOffset); i++ {
		a, b := byOffset[i-1], byOffset[i]
		ra, rb := dtypes[a.DType].rank, dtypes[b.DType].rank
		if b.ByteLen() > 0 && a.ByteLen() > 0 && (ra < rb || ra == rb && a.Name > b.Name) {
			t.Errorf("%s (%s) is stored before %s (%s)", a.Name, a.DType, b.Name, b.DType)
		}
	}
	for range 5 {
		rng.Shuffle(len(tensors), func(i, j int) { tensors[i], tensors[j] = tensors[j], tensors[i] })
		var again bytes.Buffer
		if err := Write(&again, tensors, meta); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first.Bytes(), again.Bytes()) {
			t.Fatal("output depends on input order")
		}
	}
}

// chunkSource streams data in pieces of size step.
type chunkSource struct {
	data []byte
	step int
	err  error
}

func (c chunkSource) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for b := c.data; len(b) > 0; {
		k := min(c.step, len(b))
		m, err := w.Write(b[:k])
		n += int64(m)
		if err != nil {
			return n, err
		}
		b = b[k:]
	}
	return n, c.err
}

func TestWriteSource(t *testing.T) {
	data := f32Bytes(1, 2, 3, 4, 5, 6)
	want := new(bytes.Buffer)
	if err := Write(want, []Tensor{{Name: "w", DType: F32, Shape: []int{2, 3}, Data: data}}, nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		src     io.WriterTo
		wantErr string
	}{
		{"bytes.Reader", bytes.NewReader(data), ""},
		{"pieces", chunkSource{data: data, step: 5}, ""},
		{"short", chunkSource{data: data[:20], step: 7}, `safetensors: write: tensor "w": source wrote 20 bytes, want 24`},
		{"long", chunkSource{data: append(data, 1), step: 7}, `safetensors: write: tensor "w": source wrote more than the 3 bytes its shape needs`},
		{"failing", chunkSource{data: data[:4], step: 4, err: errors.New("gpu lost")}, `safetensors: write: tensor "w": gpu lost`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Write(&buf, []Tensor{{Name: "w", DType: F32, Shape: []int{2, 3}, Source: tt.src}}, nil)
			if tt.wantErr == "" {
				if err != nil || !bytes.Equal(buf.Bytes(), want.Bytes()) {
					t.Errorf("err %v, output equal %v", err, bytes.Equal(buf.Bytes(), want.Bytes()))
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("err = %v, want %s", err, tt.wantErr)
			}
		})
	}
}

func TestWriteInvalid(t *testing.T) {
	ok := Tensor{Name: "ok", DType: U8, Shape: []int{1}, Data: []byte{1}}
	tests := []struct {
		name     string
		tensors  []Tensor
		metadata map[string]string
		want     string
	}{
		{"duplicate name", []Tensor{ok, ok}, nil, `tensor "ok": name given twice`},
		{"reserved name", []Tensor{{Name: "__metadata__", DType: U8, Shape: []int{0}}}, nil, `tensor name "__metadata__" is reserved for metadata`},
		{"invalid UTF-8 name", []Tensor{{Name: "a\xffb", DType: U8, Shape: []int{0}}}, nil, `tensor "a\xffb": name is not valid UTF-8`},
		{"unknown dtype", []Tensor{{Name: "x", DType: "F8", Shape: []int{0}}}, nil, `tensor "x": unknown dtype "F8"`},
		{"negative dim", []Tensor{{Name: "x", DType: F32, Shape: []int{2, -3}}}, nil, `tensor "x": shape [2 -3]: dimension 1 is negative`},
		{"overflow", []Tensor{{Name: "x", DType: F32, Shape: []int{math.MaxInt, math.MaxInt, math.MaxInt}}}, nil,
			fmt.Sprintf(`tensor "x": shape [%d %[1]d %[1]d]: element count overflows int64`, math.MaxInt)},
		{"packed misaligned", []Tensor{{Name: "x", DType: F6E2M3, Shape: []int{3}, Data: []byte{1, 2}}}, nil, `tensor "x": shape [3] of F6_E2M3: 3 elements of 6 bits do not fill whole bytes`},
		{"short data", []Tensor{{Name: "x", DType: F32, Shape: []int{2}, Data: make([]byte, 7)}}, nil, `tensor "x": has 7 bytes of data, but shape [2] of F32 needs 8`},
		{"long data", []Tensor{{Name: "x", DType: U8, Shape: []int{}, Data: make([]byte, 2)}}, nil, `tensor "x": has 2 bytes of data, but shape [] of U8 needs 1`},
		{"metadata key not UTF-8", []Tensor{ok}, map[string]string{"\xfe": "v"}, `metadata entry "\xfe": not valid UTF-8`},
		{"metadata value not UTF-8", []Tensor{ok}, map[string]string{"k": "\xfe"}, `metadata entry "k": not valid UTF-8`},
		{"total overflow", hugeTensors(8), nil, "total data size overflows int64"},
		{"header too large", []Tensor{ok}, map[string]string{"big": strings.Repeat("x", maxHeaderLen)},
			"header of 100000080 bytes or more is over the 100000000-byte limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &countingWriter{}
			err := Write(w, tt.tensors, tt.metadata)
			if want := "safetensors: write: " + tt.want; err == nil || err.Error() != want {
				t.Errorf("err\n got %v\nwant %s", err, want)
			}
			if w.n != 0 {
				t.Errorf("%d bytes written before the error", w.n)
			}
		})
	}
}

// hugeTensors returns n streamed tensors of 2^60 bytes each, the largest
// power of two whose bit count fits in 64 bits for an 8-byte dtype.
func hugeTensors(n int) []Tensor {
	var ts []Tensor
	for i := range n {
		ts = append(ts, Tensor{Name: fmt.Sprint(i), DType: I64, Shape: []int{1 << 28, 1 << 29}, Source: bytes.NewReader(nil)})
	}
	return ts
}

type countingWriter struct{ n int }

func (c *countingWriter) Write(b []byte) (int, error) { c.n += len(b); return len(b), nil }

// failAfter fails once more than n bytes are written.
type failAfter struct{ n int }

func (f *failAfter) Write(b []byte) (int, error) {
	if len(b) > f.n {
		return 0, errors.New("disk full")
	}
	f.n -= len(b)
	return len(b), nil
}

func TestWriteIOError(t *testing.T) {
	tensors := []Tensor{{Name: "w", DType: U8, Shape: []int{4}, Data: []byte{1, 2, 3, 4}}}
	if err := Write(&failAfter{0}, tensors, nil); err == nil || err.Error() != "safetensors: write: header: disk full" {
		t.Errorf("got %v", err)
	}
	var whole bytes.Buffer
	if err := Write(&whole, tensors, nil); err != nil {
		t.Fatal(err)
	}
	if err := Write(&failAfter{whole.Len() - 1}, tensors, nil); err == nil || err.Error() != `safetensors: write: tensor "w": disk full` {
		t.Errorf("got %v", err)
	}
}
