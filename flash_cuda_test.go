//go:build !nocuda

package ember

import (
	"testing"

	"github.com/emberdl/ember/backend/cuda"
)

// setFlashAttention switches the fused attention kernels of CUDA and of the
// CPU for the rest of the test.
func setFlashAttention(t *testing.T, on bool) {
	prev := cuda.FlashAttention()
	cuda.SetFlashAttention(on)
	t.Cleanup(func() { cuda.SetFlashAttention(prev) })
	setCPUFlashAttention(t, on)
}
