package safetensors

import (
	"bytes"
	"fmt"
	"math"
	"os"
)

// Open opens and validates the safetensors file at path. Where the operating
// system allows, the file is memory-mapped read-only, so Bytes returns views
// into it without copying; otherwise the file stays open and tensors are read
// from it with ReadAt. Close releases either.
func Open(path string) (*File, error) {
	fd, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	st, err := fd.Stat()
	if err != nil {
		fd.Close()
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	size := st.Size()
	if size >= 8 && size <= math.MaxInt && st.Mode().IsRegular() {
		if data, unmap, err := mapFile(fd, int(size)); err == nil {
			fd.Close() // the mapping outlives the descriptor
			f, err := parse(bytes.NewReader(data), size)
			if err != nil {
				unmap()
				return nil, fmt.Errorf("safetensors: %s: %w", path, err)
			}
			f.mapped, f.release = data, unmap
			return f, nil
		}
	}
	f, err := parse(fd, size)
	if err != nil {
		fd.Close()
		return nil, fmt.Errorf("safetensors: %s: %w", path, err)
	}
	f.release = fd.Close
	return f, nil
}
