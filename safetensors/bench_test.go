package safetensors

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/emberdl/ember/internal/parallel"
)

// benchFile writes a 100 MB file of 25 float32 tensors of 4 MB (a small
// model's worth) once per benchmark.
func benchFile(b *testing.B) (path string, tensors []Tensor) {
	b.Helper()
	const count, size = 25, 4 << 20
	for i := range count {
		data := make([]byte, size)
		for j := range data {
			data[j] = byte(i + j)
		}
		tensors = append(tensors, Tensor{Name: fmt.Sprintf("layers.%d.weight", i), DType: F32, Shape: []int{1024, size / 4096}, Data: data})
	}
	path = filepath.Join(b.TempDir(), "model.safetensors")
	if err := WriteFile(path, tensors, map[string]string{"format": "pt"}); err != nil {
		b.Fatal(err)
	}
	return path, tensors
}

// BenchmarkRead100MB opens the file and copies every tensor out of it, as a
// loader filling its own tensors does; the file is in the page cache.
func BenchmarkRead100MB(b *testing.B) {
	path, tensors := benchFile(b)
	dst := make([][]byte, len(tensors))
	var total int64
	for i, t := range tensors {
		dst[i] = make([]byte, len(t.Data))
		total += int64(len(t.Data))
	}
	readAll := func(b *testing.B, f *File) {
		for i, t := range tensors {
			if err := f.ReadInto(t.Name, dst[i]); err != nil {
				b.Fatal(err)
			}
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
	for _, workers := range []int{1, parallel.Workers()} {
		b.Run(fmt.Sprintf("Open+ReadInto/workers=%d", workers), func(b *testing.B) {
			defer parallel.SetWorkers(parallel.SetWorkers(workers))
			b.SetBytes(total)
			for b.Loop() {
				f, err := Open(path)
				if err != nil {
					b.Fatal(err)
				}
				readAll(b, f)
			}
		})
	}
	b.Run("Read(os.File)+ReadInto", func(b *testing.B) {
		b.SetBytes(total)
		for b.Loop() {
			fd, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			st, _ := fd.Stat()
			f, err := Read(fd, st.Size())
			if err != nil {
				b.Fatal(err)
			}
			readAll(b, f)
			fd.Close()
		}
	})
	b.Run("Open+Bytes+touch", func(b *testing.B) {
		// Zero-copy views; reading one byte per page makes the kernel map
		// every page, which is the real cost of a view.
		b.SetBytes(total)
		for b.Loop() {
			f, err := Open(path)
			if err != nil {
				b.Fatal(err)
			}
			var sum byte
			for _, t := range tensors {
				v, err := f.Bytes(t.Name)
				if err != nil {
					b.Fatal(err)
				}
				for j := 0; j < len(v); j += 4096 {
					sum += v[j]
				}
			}
			_ = sum
			f.Close()
		}
	})
}

// BenchmarkWrite100MB measures encoding to memory and writing a file with
// fsync.
func BenchmarkWrite100MB(b *testing.B) {
	path, tensors := benchFile(b)
	var total int64
	for _, t := range tensors {
		total += int64(len(t.Data))
	}
	b.Run("Write(io.Discard)", func(b *testing.B) {
		b.SetBytes(total)
		for b.Loop() {
			if err := Write(io.Discard, tensors, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("WriteFile", func(b *testing.B) {
		b.SetBytes(total)
		for b.Loop() {
			if err := WriteFile(path, tensors, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkParseHeader measures header parsing alone for a file of 10000
// empty tensors, a header the size of a large language model's.
func BenchmarkParseHeader(b *testing.B) {
	var tensors []Tensor
	for i := range 10000 {
		tensors = append(tensors, Tensor{Name: fmt.Sprintf("model.layers.%d.mlp.weight", i), DType: BF16, Shape: []int{0, 4096}})
	}
	var buf bytes.Buffer
	if err := Write(&buf, tensors, nil); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Read(bytes.NewReader(data), int64(len(data))); err != nil {
			b.Fatal(err)
		}
	}
}
