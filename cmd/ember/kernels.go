package main

import (
	"github.com/emberdl/ember/backend/cpu"
	"github.com/emberdl/ember/backend/cpu/gemm"
	"github.com/emberdl/ember/backend/cpu/vec"
)

// cpuKernels says which CPU code paths Ember's backend uses on this
// machine.
func cpuKernels() string {
	s := "GEMM micro-kernel " + gemm.KernelName()
	if gemm.KernelName() != "avx512" && gemm.HasAVX512() {
		s += " (AVX-512 kernel available: " + gemm.KernelEnv + " chose another)"
	}
	s += "; convolution " + cpu.ConvKernelName()
	if vec.HasAsm() {
		return s + "; element-wise avx2"
	}
	return s + "; element-wise portable Go"
}
