//go:build unix

package safetensors

import (
	"bytes"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"unsafe"
)

// canMap says whether Open memory-maps files on this system.
const canMap = true

// TestMappedViews checks that Open's Bytes are views of one mapping, aligned
// as the canonical layout promises.
func TestMappedViews(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tensors := []Tensor{
		{Name: "a", DType: U8, Shape: []int{3}, Data: randomBytes(rng, 3)},
		{Name: "b", DType: F64, Shape: []int{5}, Data: randomBytes(rng, 40)},
		{Name: "c", DType: F32, Shape: []int{3}, Data: randomBytes(rng, 12)},
		{Name: "d", DType: BF16, Shape: []int{1}, Data: randomBytes(rng, 2)},
	}
	f, err := Open(writeTemp(t, tensors, map[string]string{"k": "odd length"}))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if !f.Mapped() {
		t.Fatal("not mapped")
	}
	for _, tt := range tensors {
		b, err := f.Bytes(tt.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, tt.Data) {
			t.Errorf("%s: wrong bytes", tt.Name)
		}
		if cap(b) != len(b) {
			t.Errorf("%s: view has cap %d > len %d, appends would clobber the mapping", tt.Name, cap(b), len(b))
		}
		if addr := uintptrOf(b); addr%uintptr(tt.DType.Size()) != 0 {
			t.Errorf("%s: view at %#x is not %d-byte aligned", tt.Name, addr, tt.DType.Size())
		}
	}
}

func uintptrOf(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }

// TestTruncatedUnderMapping checks that ReadInto reports an error, instead of
// crashing, when the mapped file shrinks under it.
func TestTruncatedUnderMapping(t *testing.T) {
	n := 3 * copyGrain
	path := writeTemp(t, []Tensor{{Name: "big", DType: U8, Shape: []int{n}, Data: make([]byte, n)}}, nil)
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	err = f.ReadInto("big", make([]byte, n))
	if err == nil || !strings.Contains(err.Error(), "reading the mapped file (was it truncated?)") {
		t.Errorf("ReadInto = %v", err)
	}
}
