package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
)

// stFile builds a file from a header and data section; the length prefix is
// the header's length.
func stFile(header string, data ...byte) []byte {
	return withLen(uint64(len(header)), header, data...)
}

// withLen builds a file whose length prefix is n, whatever follows.
func withLen(n uint64, header string, data ...byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, n)
	b = append(b, header...)
	return append(b, data...)
}

func zeros(n int) []byte { return make([]byte, n) }

func TestReadValid(t *testing.T) {
	tests := []struct {
		name     string
		file     []byte
		metadata map[string]string
		tensors  []TensorInfo
	}{
		{"empty object", stFile("{}"), nil, nil},
		{"padding and leading whitespace", stFile("\t\n{}\r \t\n"), nil, nil},
		{"null metadata", stFile(`{"__metadata__":null}`), nil, nil},
		{"metadata only", stFile(`{"__metadata__":{"a":"b","":""}}`), map[string]string{"a": "b", "": ""}, nil},
		{"reference example", stFile(`{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}`, zeros(16)...),
			nil, []TensorInfo{{"test", I32, []int{2, 2}, [2]int64{0, 16}}}},
		{"scalar", stFile(`{"s":{"dtype":"F64","shape":[],"data_offsets":[0,8]}}`, zeros(8)...),
			nil, []TensorInfo{{"s", F64, []int{}, [2]int64{0, 8}}}},
		{"zero-sized with no data", stFile(`{"z":{"dtype":"I32","shape":[2,0],"data_offsets":[0,0]}}`),
			nil, []TensorInfo{{"z", I32, []int{2, 0}, [2]int64{0, 0}}}},
		{"zero dimension after a huge one", stFile(`{"z":{"dtype":"I32","shape":[` + strconv.Itoa(math.MaxInt) + `,0],"data_offsets":[0,0]}}`),
			nil, []TensorInfo{{"z", I32, []int{math.MaxInt, 0}, [2]int64{0, 0}}}},
		{"empty tensors at boundaries", stFile(`{"b":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},`+
			`"a":{"dtype":"F32","shape":[0],"data_offsets":[2,2]},"c":{"dtype":"BOOL","shape":[0],"data_offsets":[0,0]}}`, 1, 2),
			nil, []TensorInfo{{"a", F32, []int{0}, [2]int64{2, 2}}, {"b", U8, []int{2}, [2]int64{0, 2}}, {"c", Bool, []int{0}, [2]int64{0, 0}}}},
		{"unknown fields skipped, any field order", stFile(`{"t":{"data_offsets":[0,1],"x":[{"y":[[]]}, true, false, null, -1.5e+3, 0, 2E-7, "s\"\/\b\f\u0000"],"shape":[2],"dtype":"F4"}}`, 0x21),
			nil, []TensorInfo{{"t", F4, []int{2}, [2]int64{0, 1}}}},
		{"moderate nesting", stFile(`{"t":{"dtype":"U8","shape":[],"data_offsets":[0,1],"x":`+strings.Repeat("[", 100)+strings.Repeat("]", 100)+`}}`, 0x21),
			nil, []TensorInfo{{"t", U8, []int{}, [2]int64{0, 1}}}},
		{"escapes in names and metadata", stFile(`{"__metadata__":{"k\t":"\"\\\/\b\f\n\r\t\u00e9\u0000"},"\u0041\u00DF":{"dtype":"U8","shape":[],"data_offsets":[0,1]}}`, 0x21),
			map[string]string{"k\t": "\"\\/\b\f\n\r\té\x00"}, []TensorInfo{{"Aß", U8, []int{}, [2]int64{0, 1}}}},
		{"escaped and empty names", stFile(`{"\u00e9\ud83d\udd25\n":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"":{"dtype":"U8","shape":[],"data_offsets":[1,2]}}`, 1, 2),
			nil, []TensorInfo{{"", U8, []int{}, [2]int64{1, 2}}, {"é🔥\n", U8, []int{1}, [2]int64{0, 1}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Read(bytes.NewReader(tt.file), int64(len(tt.file)))
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Metadata) != len(tt.metadata) {
				t.Errorf("Metadata = %q, want %q", f.Metadata, tt.metadata)
			}
			for k, v := range tt.metadata {
				if f.Metadata[k] != v {
					t.Errorf("Metadata[%q] = %q, want %q", k, f.Metadata[k], v)
				}
			}
			if len(f.Tensors) != len(tt.tensors) {
				t.Fatalf("Tensors = %+v, want %+v", f.Tensors, tt.tensors)
			}
			for i, want := range tt.tensors {
				got := f.Tensors[i]
				if got.Name != want.Name || got.DType != want.DType || got.Offsets != want.Offsets ||
					len(got.Shape) != len(want.Shape) || !equalInts(got.Shape, want.Shape) {
					t.Errorf("Tensors[%d] = %+v, want %+v", i, got, want)
				}
			}
		})
	}
}

func equalInts(a, b []int) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

const okEntry = `"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}`

// bigShapes are the cases of TestReadMalformed with dimensions over 2^31: a
// 32-bit int cannot hold them, so there the dimension itself is too large.
var bigShapes = map[string]bool{
	"element count overflow": true, "byte count overflow": true, "overflow before a zero": true,
	"huge end past data": true, "bit count overflow": true,
}

func TestReadMalformed(t *testing.T) {
	tests := []struct {
		name string
		file []byte
		want string // the whole error message
	}{
		// The length prefix.
		{"empty file", nil, "file is 0 bytes, too short for the 8-byte header length"},
		{"short file", []byte{1, 0, 0}, "file is 3 bytes, too short for the 8-byte header length"},
		{"header over 100 MB", withLen(100_000_001, "{}"), "header length 100000001 is over the 100000000-byte limit"},
		{"header length 2^64-1", withLen(1<<64-1, "{}"), "header length 18446744073709551615 is over the 100000000-byte limit"},
		{"header past end of file", withLen(60, "{}"), "header length 60 runs past the end of the 10-byte file"},
		{"prefix only", withLen(1, ""), "header length 1 runs past the end of the 8-byte file"},
		{"zero-length header", withLen(0, ""), "header is not valid JSON: unexpected end of header where a value should be at header offset 0"},

		// The JSON.
		{"invalid UTF-8", stFile("{\"a\xff\":1}"), "header is not valid UTF-8 (bad byte at header offset 3)"},
		{"not JSON", stFile("hello"), "header is not valid JSON: unexpected 'h' where a value should be at header offset 0"},
		{"truncated JSON", stFile(`{"a":`), "header is not valid JSON: unexpected end of header where a value should be at header offset 5"},
		{"array", stFile(`[]`), "header is an array, not a JSON object"},
		{"string", stFile(`"x"`), `header is the string "x", not a JSON object`},
		{"null", stFile(`null`), "header is null, not a JSON object"},
		{"two objects", stFile(`{}{}`), "header has data after its JSON object, at header offset 2"},
		{"garbage after object", stFile(`{}  x`), "header has data after its JSON object, at header offset 4"},
		{"NUL padding", stFile("{}\x00"), "header has data after its JSON object, at header offset 2"},
		{"trailing comma", stFile(`{"__metadata__":{},}`), "header is not valid JSON: unexpected '}' where an object key string should be at header offset 19"},

		{"control character in key", stFile("{\"a\x01\":1}"), "header is not valid JSON: control character 0x01 in string at header offset 3"},
		{"control character after escape", stFile("{\"\\n\x1f\":1}"), "header is not valid JSON: control character 0x1f in string at header offset 4"},
		{"invalid escape", stFile(`{"a\x":1}`), `header is not valid JSON: invalid escape "\\x" in string at header offset 3`},
		{"bad unicode escape", stFile(`{"\u12G4":1}`), `header is not valid JSON: invalid \u escape "12G4" at header offset 4`},
		{"short unicode escape", stFile(`{"\u12`), `header is not valid JSON: unexpected end of header in a \u escape at header offset 6`},
		{"unterminated string", stFile(`{"abc`), "header is not valid JSON: unexpected end of header in a string at header offset 5"},
		{"lone high surrogate", stFile(`{"\ud800":1}`), "header has a string with an unpaired UTF-16 surrogate escape at header offset 8"},
		{"lone low surrogate", stFile(`{"\udc00x":1}`), "header has a string with an unpaired UTF-16 surrogate escape at header offset 8"},
		{"high surrogate then BMP", stFile(`{"\ud800\u0041":1}`), "header has a string with an unpaired UTF-16 surrogate escape at header offset 14"},
		{"missing colon", stFile(`{"a" 1}`), "header is not valid JSON: unexpected '1' after an object key, expecting ':' at header offset 5"},
		{"missing comma", stFile(`{"__metadata__":{} "b":1}`), "header is not valid JSON: unexpected '\"' after a value, expecting ',' or '}' at header offset 19"},
		{"key not string", stFile(`{1:2}`), "header is not valid JSON: unexpected '1' where an object key string should be at header offset 1"},
		{"number", stFile(`5`), "header is the number 5, not a JSON object"},
		{"leading zero", stFile(`{"t":{"x":01}}`), "header is not valid JSON: unexpected '1' after a value, expecting ',' or '}' at header offset 11"},
		{"bare minus", stFile(`{"t":{"x":-}}`), "header is not valid JSON: unexpected '}' in a number at header offset 11"},
		{"bare decimal point", stFile(`{"t":{"x":1.}}`), "header is not valid JSON: unexpected '}' after a decimal point at header offset 12"},
		{"empty exponent", stFile(`{"t":{"x":1e+}}`), "header is not valid JSON: unexpected '}' in an exponent at header offset 13"},
		{"bad literal", stFile(`{"t":{"x":nul}}`), "header is not valid JSON: unexpected 'n' where a value should be at header offset 10"},
		{"trailing comma in array", stFile(`{"t":{"x":[1,]}}`), "header is not valid JSON: unexpected ']' where a value should be at header offset 13"},
		{"deep nesting", stFile(`{"t":{"x":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}}`),
			"header nests arrays and objects deeper than 128 levels"},
		{"bad JSON where a type is wrong", stFile(`{"t":{"dtype":[1,}}`), "header is not valid JSON: unexpected '}' where a value should be at header offset 17"},
		{"bad metadata value", stFile(`{"__metadata__":{"a":tru}}`), "header is not valid JSON: unexpected 't' where a value should be at header offset 21"},

		// __metadata__.
		{"metadata array", stFile(`{"__metadata__":[]}`), "__metadata__ is an array, not an object of strings"},
		{"metadata string", stFile(`{"__metadata__":"x"}`), `__metadata__ is the string "x", not an object of strings`},
		{"metadata number value", stFile(`{"__metadata__":{"a":1}}`), `__metadata__["a"] is the number 1, not a string`},
		{"metadata null value", stFile(`{"__metadata__":{"a":null}}`), `__metadata__["a"] is null, not a string`},
		{"metadata nested", stFile(`{"__metadata__":{"a":{}}}`), `__metadata__["a"] is an object, not a string`},
		{"metadata twice", stFile(`{"__metadata__":{},"__metadata__":{}}`), "header has __metadata__ twice"},
		{"metadata duplicate key", stFile(`{"__metadata__":{"k":"1","k":"2"}}`), `__metadata__ has key "k" twice`},

		// One entry's syntax.
		{"duplicate tensor", stFile(`{`+okEntry+`,`+okEntry+`}`, zeros(8)...), `tensor "t": named twice in the header`},
		{"entry not object", stFile(`{"t":[1]}`), `tensor "t": entry is an array, not an object`},
		{"entry null", stFile(`{"t":null}`), `tensor "t": entry is null, not an object`},
		{"no dtype", stFile(`{"t":{"shape":[],"data_offsets":[0,0]}}`), `tensor "t": entry has no dtype`},
		{"no shape", stFile(`{"t":{"dtype":"U8","data_offsets":[0,0]}}`), `tensor "t": entry has no shape`},
		{"no offsets", stFile(`{"t":{"dtype":"U8","shape":[]}}`), `tensor "t": entry has no data_offsets`},
		{"dtype twice", stFile(`{"t":{"dtype":"U8","dtype":"U8"}}`), `tensor "t": dtype given twice`},
		{"shape twice", stFile(`{"t":{"shape":[],"shape":[]}}`), `tensor "t": shape given twice`},
		{"offsets twice", stFile(`{"t":{"data_offsets":[0,0],"data_offsets":[0,0]}}`), `tensor "t": data_offsets given twice`},
		{"dtype number", stFile(`{"t":{"dtype":4}}`), `tensor "t": dtype is the number 4, not a string`},
		{"unknown dtype", stFile(`{"t":{"dtype":"F128","shape":[],"data_offsets":[0,0]}}`), `tensor "t": unknown dtype "F128"`},
		{"lower-case dtype", stFile(`{"t":{"dtype":"f32","shape":[],"data_offsets":[0,4]}}`, zeros(4)...), `tensor "t": unknown dtype "f32"`},
		{"shape not array", stFile(`{"t":{"shape":3}}`), `tensor "t": shape is the number 3, not an array of integers`},
		{"shape nested", stFile(`{"t":{"shape":[[1]]}}`), `tensor "t": shape[0] is an array, not an integer`},
		{"shape string", stFile(`{"t":{"shape":["1"]}}`), `tensor "t": shape[0] is the string "1", not an integer`},
		{"negative dim", stFile(`{"t":{"shape":[2,-1]}}`), `tensor "t": shape[1] = -1 is not a non-negative integer`},
		{"fractional dim", stFile(`{"t":{"shape":[1.5]}}`), `tensor "t": shape[0] = 1.5 is not a non-negative integer`},
		{"exponent dim", stFile(`{"t":{"shape":[1e3]}}`), `tensor "t": shape[0] = 1e3 is not a non-negative integer`},
		{"dim over int", stFile(`{"t":{"shape":[9223372036854775808]}}`), `tensor "t": shape[0] = 9223372036854775808 is too large`},
		{"dim over uint64", stFile(`{"t":{"shape":[18446744073709551616]}}`), `tensor "t": shape[0] = 18446744073709551616 is too large`},
		{"one offset", stFile(`{"t":{"data_offsets":[0]}}`), `tensor "t": data_offsets has 1 numbers, want 2 (begin, end)`},
		{"three offsets", stFile(`{"t":{"data_offsets":[0,1,2]}}`), `tensor "t": data_offsets has 3 numbers, want 2 (begin, end)`},
		{"negative offset", stFile(`{"t":{"data_offsets":[-8,0]}}`), `tensor "t": data_offsets[0] = -8 is not a non-negative integer`},
		{"offset over int64", stFile(`{"t":{"data_offsets":[0,9223372036854775808]}}`), `tensor "t": data_offsets[1] = 9223372036854775808 is too large`},
		{"offsets object", stFile(`{"t":{"data_offsets":{}}}`), `tensor "t": data_offsets is an object, not an array of integers`},
		{"bad JSON in unknown field", stFile(`{"t":{"x":[1,}}`), "header is not valid JSON: unexpected '}' where a value should be at header offset 13"},

		// One entry's meaning.
		{"element count overflow", stFile(`{"t":{"dtype":"I32","shape":[2,9223372036854775807],"data_offsets":[0,16]}}`, zeros(16)...),
			`tensor "t": shape [2 9223372036854775807]: element count overflows int64`},
		{"byte count overflow", stFile(`{"t":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,16]}}`, zeros(16)...),
			`tensor "t": shape [4611686018427387904] of F64: byte count overflows int64`},
		{"overflow before a zero", stFile(`{"t":{"dtype":"U8","shape":[4294967296,4294967296,0],"data_offsets":[0,0]}}`),
			`tensor "t": shape [4294967296 4294967296 0]: element count overflows int64`},
		{"sub-byte not whole bytes", stFile(`{"t":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}`, 0, 0),
			`tensor "t": shape [3] of F4: 3 elements of 4 bits do not fill whole bytes`},
		{"end before begin", stFile(`{"t":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}}`, zeros(4)...),
			`tensor "t": data_offsets [4, 0] end before they begin`},
		{"end past data", stFile(`{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, zeros(6)...),
			`tensor "t": data_offsets [0, 8] run past the end of the 6-byte data section`},
		{"huge end past data", stFile(`{"t":{"dtype":"U8","shape":[1099511627776],"data_offsets":[0,1099511627776]}}`),
			`tensor "t": data_offsets [0, 1099511627776] run past the end of the 0-byte data section`},
		{"bit count overflow", stFile(`{"t":{"dtype":"U8","shape":[9223372036854775807],"data_offsets":[0,9223372036854775807]}}`),
			`tensor "t": shape [9223372036854775807] of U8: byte count overflows int64`},
		{"size mismatch", stFile(`{"t":{"dtype":"I32","shape":[2,2],"data_offsets":[0,4]}}`, zeros(4)...),
			`tensor "t": data_offsets [0, 4] hold 4 bytes, but shape [2 2] of I32 needs 16`},
		{"size mismatch F6", stFile(`{"t":{"dtype":"F6_E3M2","shape":[8],"data_offsets":[0,8]}}`, zeros(8)...),
			`tensor "t": data_offsets [0, 8] hold 8 bytes, but shape [8] of F6_E3M2 needs 6`},

		// The layout of all entries.
		{"gap at start", stFile(`{"t":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}`, zeros(4)...),
			`tensor "t": data_offsets [2, 4] leave bytes [0, 2) of the data section unused`},
		{"gap between", stFile(`{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[1],"data_offsets":[3,4]}}`, zeros(4)...),
			`tensor "b": data_offsets [3, 4] leave bytes [2, 3) unused after tensor "a"`},
		{"empty tensor in a gap", stFile(`{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[0],"data_offsets":[3,3]},"c":{"dtype":"U8","shape":[1],"data_offsets":[4,5]}}`, zeros(5)...),
			`tensor "b": data_offsets [3, 3] leave bytes [2, 3) unused after tensor "a"`},
		{"overlap", stFile(`{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}`, zeros(4)...),
			`tensor "b": data_offsets [2, 4] overlap tensor "a", which ends at 4`},
		{"same range twice", stFile(`{"b":{"dtype":"I32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, zeros(4)...),
			`tensor "b": data_offsets [0, 4] overlap tensor "a", which ends at 4`},
		{"empty tensor inside another", stFile(`{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[0],"data_offsets":[2,2]}}`, zeros(4)...),
			`tensor "b": data_offsets [2, 2] overlap tensor "a", which ends at 4`},
		{"trailing data", stFile(`{`+okEntry+`}`, zeros(10)...),
			`data section has 2 bytes after the last tensor "t", which ends at 8`},
		{"data but no tensors", stFile(`{}`, 1, 2, 3),
			"data section has 3 bytes but no tensor covers them"},
		{"polyglot tail", stFile(`{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}`, append(zeros(16), "extra_bogus_data"...)...),
			`data section has 16 bytes after the last tensor "test", which ends at 16`},
		{"long name shortened", stFile(`{"` + strings.Repeat("n", 500) + `":{"dtype":"X","shape":[],"data_offsets":[0,0]}}`),
			`tensor "` + strings.Repeat("n", 120) + `"... (500 bytes): unknown dtype "X"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Read(bytes.NewReader(tt.file), int64(len(tt.file)))
			if err == nil {
				t.Fatalf("Read succeeded with %d tensors, want error %q", len(f.Tensors), tt.want)
			}
			if bigShapes[tt.name] && math.MaxInt == math.MaxInt32 {
				if !strings.Contains(err.Error(), "is too large") {
					t.Errorf("error %v; want a dimension too large for int", err)
				}
				return
			}
			if got, want := err.Error(), "safetensors: "+tt.want; got != want {
				t.Errorf("error\n got %s\nwant %s", got, want)
			}
			if !errors.Is(err, ErrFormat) {
				t.Errorf("error %v does not wrap ErrFormat", err)
			}
		})
	}
}

// failingReaderAt fails every read, as a broken disk would.
type failingReaderAt struct{}

func (failingReaderAt) ReadAt([]byte, int64) (int, error) { return 0, errors.New("disk on fire") }

func TestReadIOError(t *testing.T) {
	_, err := Read(failingReaderAt{}, 100)
	if err == nil || err.Error() != "safetensors: reading header length: disk on fire" {
		t.Errorf("got %v", err)
	}
	if errors.Is(err, ErrFormat) {
		t.Errorf("an I/O error must not wrap ErrFormat")
	}
	// A reader shorter than the size it claims: the header is fine, the
	// data cannot be read.
	b := stFile(`{` + okEntry + `}`)
	f, err := Read(bytes.NewReader(b), int64(len(b))+8)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Bytes("t"); err == nil || err.Error() != `safetensors: reading tensor "t": unexpected EOF` {
		t.Errorf("Bytes: got %v", err)
	}
	if err := f.ReadInto("t", make([]byte, 8)); err == nil || err.Error() != `safetensors: reading tensor "t": unexpected EOF` {
		t.Errorf("ReadInto: got %v", err)
	}
}
