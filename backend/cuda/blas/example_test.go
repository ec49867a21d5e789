package blas_test

import (
	"fmt"

	"github.com/emberdl/ember/backend/cuda/blas"
	"github.com/emberdl/ember/backend/cuda/driver"
)

// A row-major Linear layer, y = x·Wᵀ + b with ReLU, as one cuBLASLt call.
// It needs a GPU: the device's context must be bound first.
func ExampleLtHandle_Plan() {
	var x, w, bias, y, ws driver.DevicePtr // device buffers: x [64,512], W [256,512], b [256], y [64,256]
	var stream driver.Stream
	lt, err := blas.NewLtHandle()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer lt.Destroy()
	plan, err := lt.Plan(blas.Matmul{
		Gemm: blas.Gemm{M: 64, N: 256, K: 512, TransB: true,
			AType: blas.Float32, BType: blas.Float32, CType: blas.Float32, Compute: blas.Compute32FFastTF32},
		Epilogue: blas.EpilogueReLUBias,
	}, 4<<20)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer plan.Destroy()
	err = plan.Run(lt, 1, 0, x, w, y, y, bias, ws, 4<<20, stream)
	fmt.Println(err)
}
