//go:build !unix

package safetensors

import (
	"errors"
	"os"
)

// mapFile reports that memory mapping is not used on this system, so Open
// reads tensors with ReadAt instead.
func mapFile(*os.File, int) ([]byte, func() error, error) {
	return nil, nil, errors.ErrUnsupported
}
