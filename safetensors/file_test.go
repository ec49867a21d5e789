package safetensors

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// writeTemp writes tensors to a new file in a test directory.
func writeTemp(t testing.TB, tensors []Tensor, metadata map[string]string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "x.safetensors")
	if err := WriteFile(path, tensors, metadata); err != nil {
		t.Fatal(err)
	}
	return path
}

func randomBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func TestFileLookupErrors(t *testing.T) {
	path := writeTemp(t, []Tensor{{Name: "w", DType: F32, Shape: []int{2}, Data: make([]byte, 8)}}, nil)
	for _, op := range openers {
		t.Run(op.name, func(t *testing.T) {
			f := op.open(t, path)
			if _, ok := f.Tensor("nope"); ok {
				t.Error("Tensor(nope) found")
			}
			if _, err := f.Bytes("nope"); !errors.Is(err, ErrNotFound) || err.Error() != `safetensors: tensor "nope": no such tensor` {
				t.Errorf("Bytes(nope) = %v", err)
			}
			if err := f.ReadInto("nope", nil); !errors.Is(err, ErrNotFound) {
				t.Errorf("ReadInto(nope) = %v", err)
			}
			if err := f.ReadInto("w", make([]byte, 7)); err == nil || err.Error() != `safetensors: tensor "w" has 8 bytes, destination has 7` {
				t.Errorf("ReadInto short = %v", err)
			}
			// Changing the exported description must not change what is read.
			f.Tensors[0].Offsets = [2]int64{0, 1 << 40}
			if b, err := f.Bytes("w"); err != nil || len(b) != 8 {
				t.Errorf("Bytes after editing Tensors = %d bytes, %v", len(b), err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Errorf("second Close = %v", err)
			}
			if _, err := f.Bytes("w"); err != ErrClosed {
				t.Errorf("Bytes after Close = %v", err)
			}
			if err := f.ReadInto("w", make([]byte, 8)); err != ErrClosed {
				t.Errorf("ReadInto after Close = %v", err)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open(missing) = %v", err)
	}
	bad := filepath.Join(dir, "bad.safetensors")
	if err := os.WriteFile(bad, stFile(`{"t":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(bad)
	if want := "safetensors: " + bad + `: tensor "t": entry is the number 1, not an object`; err == nil || err.Error() != want {
		t.Errorf("Open(bad) = %v, want %s", err, want)
	}
	short := filepath.Join(dir, "short")
	if err := os.WriteFile(short, []byte{1, 2}, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(short); !errors.Is(err, ErrFormat) {
		t.Errorf("Open(short) = %v", err)
	}
	if _, err := Open(dir); err == nil {
		t.Error("Open(directory) succeeded")
	}
}

// TestLargeTensor crosses the size at which copies are split across workers.
func TestLargeTensor(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 2*copyGrain + 12345*4
	data := randomBytes(rng, n)
	path := writeTemp(t, []Tensor{
		{Name: "big", DType: F32, Shape: []int{n / 4}, Data: data},
		{Name: "small", DType: U8, Shape: []int{1}, Data: []byte{7}},
	}, nil)
	for _, op := range openers {
		t.Run(op.name, func(t *testing.T) {
			f := op.open(t, path)
			defer f.Close()
			dst := make([]byte, n)
			if err := f.ReadInto("big", dst); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(dst, data) {
				t.Error("ReadInto: wrong bytes")
			}
			b, err := f.Bytes("big")
			if err != nil || !bytes.Equal(b, data) {
				t.Errorf("Bytes: wrong bytes, %v", err)
			}
		})
	}
}

// TestConcurrentReads reads every tensor from many goroutines at once; run
// it with -race.
func TestConcurrentReads(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var tensors []Tensor
	for i := range 16 {
		n := 1 + rng.IntN(1000)
		tensors = append(tensors, Tensor{Name: fmt.Sprintf("t%02d", i), DType: U8, Shape: []int{n}, Data: randomBytes(rng, n)})
	}
	tensors = append(tensors, Tensor{Name: "big", DType: U8, Shape: []int{2*copyGrain + 1}, Data: randomBytes(rng, 2*copyGrain+1)})
	path := writeTemp(t, tensors, nil)
	for _, op := range openers {
		t.Run(op.name, func(t *testing.T) {
			f := op.open(t, path)
			defer f.Close()
			var wg sync.WaitGroup
			errs := make(chan error, 8*len(tensors))
			for g := range 8 {
				wg.Go(func() {
					for i := range tensors {
						tt := tensors[(i+g)%len(tensors)]
						dst := make([]byte, len(tt.Data))
						if err := f.ReadInto(tt.Name, dst); err != nil || !bytes.Equal(dst, tt.Data) {
							errs <- fmt.Errorf("ReadInto(%s): %v", tt.Name, err)
						}
						if b, err := f.Bytes(tt.Name); err != nil || !bytes.Equal(b, tt.Data) {
							errs <- fmt.Errorf("Bytes(%s): %v", tt.Name, err)
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}
