package blas

import (
	"testing"

	"github.com/ebitengine/purego"
)

// TestGemmCallsDoNotAllocate points the GEMM entry points at libc's labs,
// which returns its first argument's magnitude: 0 (success) for the zero
// handles used here. What is measured is the binding's own cost.
func TestGemmCallsDoNotAllocate(t *testing.T) {
	h, err := purego.Dlopen("libc.so.6", purego.RTLD_NOW)
	if err != nil {
		t.Fatal(err)
	}
	labs, err := purego.Dlsym(h, "labs")
	if err != nil {
		t.Fatal(err)
	}
	saved := fns
	t.Cleanup(func() { fns = saved })
	for _, s := range []sym{symGemmEx, symGemmStridedBatchedEx, symSgemm, symLtMatmul, symLtMatmulDescSetAttribute} {
		fns[s] = labs
	}
	g := Gemm{M: 64, N: 32, K: 16, AType: Float32, BType: Float32, CType: Float32, Compute: Compute32FFastTF32}
	gb := g
	gb.Batch, gb.StrideA, gb.StrideB, gb.StrideC = 4, 64*16, 16*32, 64*32
	var hd Handle
	var lt LtHandle
	plan := &Plan{scale: Float32, epilogue: EpilogueGELUBias}
	allocs := testing.AllocsPerRun(100, func() {
		if err := hd.Gemm(g, 1, 0, 1, 2, 3); err != nil {
			t.Fatal(err)
		}
		if err := hd.Gemm(gb, 1, 0, 1, 2, 3); err != nil {
			t.Fatal(err)
		}
		if err := hd.Sgemm(g, 1, 0, 1, 2, 3); err != nil {
			t.Fatal(err)
		}
		if err := plan.Run(&lt, 1, 0, 1, 2, 3, 3, 4, 0, 0, 0); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 && !raceEnabled {
		t.Errorf("GEMM calls allocate %.1f times per round, want 0", allocs)
	}
}
