//go:build nocuda

package ember

import "testing"

// setFlashAttention switches the CPU's fused attention kernels for the rest
// of the test (there is no CUDA backend in this build).
func setFlashAttention(t *testing.T, on bool) { setCPUFlashAttention(t, on) }
