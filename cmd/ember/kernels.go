package main

import "github.com/emberdl/ember/backend/cpu/gemm"

// cpuKernels says which CPU code paths Ember's backend uses on this
// machine.
func cpuKernels() string {
	return "GEMM micro-kernel " + gemm.KernelName() + "; other kernels portable Go"
}
