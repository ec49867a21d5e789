package nvrtc_test

import (
	"fmt"

	"github.com/emberdl/ember/backend/cuda/nvrtc"
)

// Compile turns CUDA C++ into PTX and reports the mangled name of each
// template instantiation, which is what the driver looks kernels up by.
func ExampleCompile() {
	res, err := nvrtc.Compile(nvrtc.Request{
		Name:            "scale.cu",
		Source:          "template <class T> __global__ void scale(T* p, T s) { p[threadIdx.x] *= s; }",
		NameExpressions: []string{"scale<float>"},
		Options:         []string{"--gpu-architecture=compute_80"},
	})
	if err != nil {
		fmt.Println(err) // no NVRTC, or a *CompileError with the compiler log
		return
	}
	fmt.Println(res.Lowered["scale<float>"], len(res.PTX) > 0)
}
