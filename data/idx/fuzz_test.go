package idx

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzRead feeds arbitrary bytes to the reader with a small limit. It must
// never panic, and whatever it accepts must be self-consistent and survive a
// write/read round trip unchanged.
func FuzzRead(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.idx*"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte{0, 0, 8, 1, 0, 0, 0, 2, 7, 9})
	f.Add([]byte{0, 0, 8, 3, 0, 0, 0xea, 0x60, 0, 0, 0, 28, 0, 0, 0, 28})
	f.Fuzz(func(t *testing.T, in []byte) {
		file, err := ReadLimit(bytes.NewReader(in), 1<<20)
		if err != nil {
			return
		}
		if len(file.Data) != file.NumElements()*file.DType.Size() {
			t.Fatalf("accepted %d bytes for dims %v of %s", len(file.Data), file.Dims, file.DType)
		}
		var buf bytes.Buffer
		if err := Write(&buf, file); err != nil {
			t.Fatalf("write back: %v", err)
		}
		again, err := Read(&buf)
		if err != nil {
			t.Fatalf("read back: %v", err)
		}
		if again.DType != file.DType || !equalInts(again.Dims, file.Dims) || !bytes.Equal(again.Data, file.Data) {
			t.Fatal("round trip changed the file")
		}
	})
}
