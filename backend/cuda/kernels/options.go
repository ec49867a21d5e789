package kernels

// Options returns the NVRTC options of the built-in kernels, without the
// architecture (jit.Cache adds it from its Target).
func Options() []string { return []string{"-std=c++17"} }

// CompileOptions returns Options with the architecture option for target,
// such as "compute_80" or "sm_90", for a direct NVRTC compile.
func CompileOptions(target string) []string {
	return append([]string{"--gpu-architecture=" + target}, Options()...)
}
