//go:build !nocuda

package ember

import (
	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda"
)

// The CUDA backend registers itself unless the binary is built with the
// nocuda tag (a static, CPU-only binary: CGO_ENABLED=0 go build -tags
// nocuda). It opens lazily, on the first use of a CUDA device; on a
// machine without one, Available(CUDA) says why.
func init() {
	RegisterBackend(CUDAType, func(i int) (backend.Backend, error) { return cuda.Open(i) })
}
