//go:build nocuda

package ember

import "testing"

// setFlashAttention has nothing to switch without the CUDA backend (no
// test device then has fused attention).
func setFlashAttention(t *testing.T, on bool) {}
