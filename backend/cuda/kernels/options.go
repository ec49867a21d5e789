package kernels

// CompileOptions returns the NVRTC options for the built-in kernels and a
// target such as "compute_80" or "sm_90".
func CompileOptions(target string) []string {
	return []string{
		"--gpu-architecture=" + target,
		"-std=c++17",
	}
}
