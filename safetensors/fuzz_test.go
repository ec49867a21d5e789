package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzRead feeds arbitrary bytes to Read. The seed corpus is in
// testdata/fuzz/FuzzRead (written by testdata/gen/make_fuzz_seeds.py). Read
// must never panic or hang; on bytes in memory every failure must be a format
// error; and whatever it accepts must describe the data section exactly and
// survive a write and a second read unchanged.
func FuzzRead(f *testing.F) {
	golden, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.safetensors"))
	for _, path := range golden {
		if b, err := os.ReadFile(path); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Read(bytes.NewReader(data), int64(len(data)))
		checkAgainstEncodingJSON(t, data, err)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v is not a format error", err)
			}
			return
		}
		var covered int64
		var tensors []Tensor
		for i, info := range file.Tensors {
			if i > 0 && file.Tensors[i-1].Name >= info.Name {
				t.Fatalf("tensors not sorted and unique: %q then %q", file.Tensors[i-1].Name, info.Name)
			}
			n, err := ByteLen(info.DType, info.Shape)
			if err != nil || n != info.ByteLen() {
				t.Fatalf("%q: ByteLen %d, %v; offsets %v", info.Name, n, err, info.Offsets)
			}
			b, err := file.Bytes(info.Name)
			if err != nil || int64(len(b)) != n {
				t.Fatalf("%q: Bytes gave %d bytes, %v", info.Name, len(b), err)
			}
			covered += n
			tensors = append(tensors, Tensor{Name: info.Name, DType: info.DType, Shape: info.Shape, Data: b})
		}
		headerLen := int64(len(data)) - covered - 8
		if headerLen < 0 || headerLen > maxHeaderLen {
			t.Fatalf("tensors cover %d of %d bytes", covered, len(data))
		}

		var out bytes.Buffer
		if err := Write(&out, tensors, file.Metadata); err != nil {
			t.Fatalf("cannot write back what was read: %v", err)
		}
		again, err := Read(bytes.NewReader(out.Bytes()), int64(out.Len()))
		if err != nil {
			t.Fatalf("cannot read back what was written: %v", err)
		}
		if len(file.Metadata) > 0 && !reflect.DeepEqual(again.Metadata, file.Metadata) {
			t.Fatalf("metadata %q became %q", file.Metadata, again.Metadata)
		}
		if len(again.Tensors) != len(file.Tensors) {
			t.Fatalf("%d tensors became %d", len(file.Tensors), len(again.Tensors))
		}
		for i, info := range again.Tensors {
			was := file.Tensors[i]
			if info.Name != was.Name || info.DType != was.DType || !equalInts(info.Shape, was.Shape) {
				t.Fatalf("%+v became %+v", was, info)
			}
			b, err := again.Bytes(info.Name)
			if err != nil || !bytes.Equal(b, tensors[i].Data) {
				t.Fatalf("%q: data changed (%v)", info.Name, err)
			}
		}
		var twice bytes.Buffer
		if err := Write(&twice, tensors, again.Metadata); err != nil || !bytes.Equal(twice.Bytes(), out.Bytes()) {
			t.Fatalf("writing is not deterministic (%v)", err)
		}
	})
}

// checkAgainstEncodingJSON compares the header scanner's idea of valid JSON
// with encoding/json's: a header encoding/json rejects must be rejected, and
// a header reported as a JSON syntax error must be one encoding/json rejects.
func checkAgainstEncodingJSON(t *testing.T, data []byte, err error) {
	if len(data) < 8 {
		return
	}
	n := binary.LittleEndian.Uint64(data)
	if n > maxHeaderLen || n > uint64(len(data)-8) {
		return
	}
	hdr := data[8 : 8+n]
	if !utf8.Valid(hdr) {
		return
	}
	valid := json.Valid(hdr)
	if !valid && err == nil {
		t.Fatalf("accepted a header encoding/json rejects: %q", hdr)
	}
	var syn *syntaxError
	if valid && errors.As(err, &syn) {
		t.Fatalf("JSON syntax error %v in a header encoding/json accepts: %q", err, hdr)
	}
}

// TestSeedCorpus checks that the fuzz seeds mean what their names say:
// valid_* and golden_* files are accepted, bad_* ones rejected.
func TestSeedCorpus(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzRead", "*"))
	if err != nil || len(paths) < 30 {
		t.Fatalf("seed corpus: %d files, %v", len(paths), err)
	}
	for _, path := range paths {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			data := readCorpusFile(t, path)
			_, err := Read(bytes.NewReader(data), int64(len(data)))
			switch {
			case strings.HasPrefix(name, "valid_") || strings.HasPrefix(name, "golden_"):
				if err != nil {
					t.Errorf("rejected: %v", err)
				}
			case strings.HasPrefix(name, "bad_"):
				if err == nil {
					t.Error("accepted")
				}
			}
		})
	}
}

// readCorpusFile decodes a one-value `go test fuzz v1` file holding []byte.
func readCorpusFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitN(strings.TrimSpace(string(b)), "\n", 2)
	if len(lines) != 2 || lines[0] != "go test fuzz v1" ||
		!strings.HasPrefix(lines[1], "[]byte(") || !strings.HasSuffix(lines[1], ")") {
		t.Fatalf("%s: not a []byte corpus file", path)
	}
	s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return []byte(s)
}
