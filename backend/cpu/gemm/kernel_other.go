//go:build !amd64 || purego

package gemm

// bestKernels returns the pure-Go kernels: this build has no assembly.
func bestKernels() (*kernel[float32], *kernel[float64]) {
	_ = kernelChoice() // still validates $EMBER_CPU_GEMM_KERNEL
	return &goKernelS, &goKernelD
}

// tileKernelS returns the float32 kernel with ColumnS's 6×16 tile.
func tileKernelS() *kernel[float32] { return &goKernelS }

// packLines6Fast: no assembly in this build.
func packLines6Fast(dst, src []float32, ls, kc int) int { return 0 }

// packLines6FastD: no assembly in this build.
func packLines6FastD(dst, src []float64, ls, kc int) int { return 0 }

// packLines14Fast: no assembly in this build.
func packLines14Fast(dst, src []float32, ls, kc int) int { return 0 }

// packLines16Fast: no assembly in this build.
func packLines16Fast(dst, src []float32, ls, kc int) int { return 0 }

// packRows16Fast: no assembly in this build.
func packRows16Fast(dst, b []float32, rsb, kc, lo, full int) bool { return false }

// nativeAVX512Kernels: no assembly in this build.
func nativeAVX512Kernels() (*kernel[float32], *kernel[float64]) { return nil, nil }

// nativeAVX2Kernels: no assembly in this build.
func nativeAVX2Kernels() (*kernel[float32], *kernel[float64]) { return nil, nil }
