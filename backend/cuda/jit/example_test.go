package jit_test

import (
	"fmt"

	"github.com/emberdl/ember/backend/cuda/jit"
)

// With NVRTC 11.8 an H100 (sm_90) gets a CUBIN, while a newer GPU gets PTX
// for the best older architecture, which its driver compiles.
func ExampleChooseTarget() {
	archs := []int{70, 75, 80, 86, 89, 90}
	for _, cc := range []int{90, 100} {
		t, _ := jit.ChooseTarget(cc, archs)
		fmt.Println(cc, t, t.Ext())
	}
	// Output:
	// 90 sm_90 cubin
	// 100 compute_90 ptx
}
