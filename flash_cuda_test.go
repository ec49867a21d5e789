//go:build !nocuda

package ember

import (
	"testing"

	"github.com/emberdl/ember/backend/cuda"
)

// setFlashAttention switches CUDA's fused attention kernels for the rest of
// the test.
func setFlashAttention(t *testing.T, on bool) {
	prev := cuda.FlashAttention()
	cuda.SetFlashAttention(on)
	t.Cleanup(func() { cuda.SetFlashAttention(prev) })
}
