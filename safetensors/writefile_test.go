package safetensors

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// dirNames lists a directory's entries.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteFileFailureKeepsOldFile(t *testing.T) {
	oldTensors := []Tensor{{Name: "old", DType: U8, Shape: []int{3}, Data: []byte{1, 2, 3}}}
	tests := []struct {
		name    string
		tensors []Tensor
	}{
		{"source fails midway", []Tensor{
			{Name: "a", DType: F32, Shape: []int{1024}, Data: make([]byte, 4096)},
			{Name: "b", DType: U8, Shape: []int{1 << 20}, Source: chunkSource{data: make([]byte, 1<<19), step: 1 << 16, err: errors.New("boom")}},
		}},
		{"source too short", []Tensor{
			{Name: "b", DType: U8, Shape: []int{100}, Source: bytes.NewReader(make([]byte, 99))},
		}},
		{"invalid tensor", []Tensor{{Name: "x", DType: F32, Shape: []int{2}, Data: []byte{1}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "model.safetensors")
			if err := WriteFile(path, oldTensors, nil); err != nil {
				t.Fatal(err)
			}
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := WriteFile(path, tt.tensors, nil); err == nil {
				t.Fatal("WriteFile succeeded")
			}
			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(before, after) {
				t.Error("the existing file changed")
			}
			if names := dirNames(t, dir); len(names) != 1 || names[0] != "model.safetensors" {
				t.Errorf("directory holds %q, want only the model", names)
			}
		})
	}
}

func TestWriteFileModes(t *testing.T) {
	dir := t.TempDir()
	tensors := []Tensor{{Name: "w", DType: I16, Shape: []int{2}, Data: []byte{1, 2, 3, 4}}}
	fresh := filepath.Join(dir, "fresh.safetensors")
	if err := WriteFile(fresh, tensors, nil); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(fresh); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("new file: mode %v, %v; want 0644", st.Mode(), err)
	}
	private := filepath.Join(dir, "private.safetensors")
	if err := os.WriteFile(private, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(private, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(private, tensors, nil); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(private); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("replaced file: mode %v, %v; want 0600", st.Mode(), err)
	}
	if err := WriteFile(filepath.Join(dir, "no", "such", "dir", "x"), tensors, nil); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing directory: %v", err)
	}
}

// TestWriteFileUnderOpenFile replaces a file that is open (and mapped): the
// open File keeps reading the old tensors, a new Open sees the new ones.
func TestWriteFileUnderOpenFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	old := []byte{1, 2, 3, 4}
	if err := WriteFile(path, []Tensor{{Name: "w", DType: U8, Shape: []int{4}, Data: old}}, nil); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	view, err := f.Bytes("w")
	if err != nil {
		t.Fatal(err)
	}
	newer := bytes.Repeat([]byte{9}, 64)
	if err := WriteFile(path, []Tensor{{Name: "w", DType: U8, Shape: []int{64}, Data: newer}}, nil); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(view, old) {
		t.Errorf("old view now reads %v", view)
	}
	got := make([]byte, 4)
	if err := f.ReadInto("w", got); err != nil || !bytes.Equal(got, old) {
		t.Errorf("old File reads %v, %v", got, err)
	}
	g, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if b, err := g.Bytes("w"); err != nil || !bytes.Equal(b, newer) {
		t.Errorf("new File reads %v, %v", b, err)
	}
}
