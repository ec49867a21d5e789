// Package dl finds and opens the NVIDIA shared libraries that the CUDA
// backend needs (libcuda, NVRTC, cuBLAS, cuBLASLt) with purego's dlopen, so
// that the Go binary itself stays free of cgo.
//
// Every place a library is looked for is recorded as an [Attempt], so that a
// report can say which paths were tried and why each one failed. A library is
// opened at most once per process and never closed.
package dl

// Spec describes one library: where an override may point at it, which
// sonames it goes by and in which pip wheel folders it is shipped.
type Spec struct {
	// Name is the library's short name, used in reports ("libcuda").
	Name string
	// Env is the variable naming an exact file that replaces the search.
	Env string
	// Sonames are the file names to look for, newest major version first.
	Sonames []string
	// Wheels are folders below a site-packages directory that hold the
	// library in NVIDIA's pip wheels (for example "nvidia/cublas/lib").
	Wheels []string
	// Probe is a symbol every version of the library exports; it is used to
	// find which file the system loader picked.
	Probe string
}

// wheelDirs are the pip wheel folders shared by the toolkit libraries: the
// CUDA 13 wheels put every library in nvidia/cu13/lib, older ones use one
// folder per component.
var (
	nvrtcWheels  = []string{"nvidia/cu13/lib", "nvidia/cuda_nvrtc/lib", "nvidia/cuda_runtime/lib"}
	cublasWheels = []string{"nvidia/cu13/lib", "nvidia/cublas/lib", "nvidia/cuda_runtime/lib"}
)

// The libraries the CUDA backend opens.
var (
	// Driver is the CUDA driver API. Only the versioned soname is searched:
	// plain libcuda.so is the development symlink or the toolkit's stub.
	Driver = Spec{Name: "libcuda", Env: "EMBER_LIBCUDA", Sonames: []string{"libcuda.so.1"}, Probe: "cuInit"}
	// NVRTC is the run-time CUDA C++ compiler.
	NVRTC = Spec{Name: "libnvrtc", Env: "EMBER_NVRTC",
		Sonames: []string{"libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2"},
		Wheels:  nvrtcWheels, Probe: "nvrtcVersion"}
	// CUBLAS is the classic cuBLAS API.
	CUBLAS = Spec{Name: "libcublas", Env: "EMBER_CUBLAS",
		Sonames: []string{"libcublas.so.13", "libcublas.so.12", "libcublas.so.11"},
		Wheels:  cublasWheels, Probe: "cublasCreate_v2"}
	// CUBLASLt is the cuBLASLt API; it must be opened before [CUBLAS].
	CUBLASLt = Spec{Name: "libcublasLt", Env: "EMBER_CUBLASLT",
		Sonames: []string{"libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so.11"},
		Wheels:  cublasWheels, Probe: "cublasLtCreate"}
)
