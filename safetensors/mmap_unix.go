//go:build unix

package safetensors

import (
	"os"
	"syscall"
)

// mapFile maps the first size bytes of fd read-only and returns the mapping
// with the function that unmaps it.
func mapFile(fd *os.File, size int) ([]byte, func() error, error) {
	data, err := syscall.Mmap(int(fd.Fd()), 0, size, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, err
	}
	return data, func() error { return syscall.Munmap(data) }, nil
}
