package kernels_test

import (
	"fmt"

	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/backend/cuda/kernels"
)

// Adding a [4,1] column to a [4,3] matrix: broadcasting is a zero stride.
func ExamplePackBinary() {
	var out, x, y driver.DevicePtr = 0x1000, 0x2000, 0x3000 // device buffers
	sh, _ := kernels.NewShape(4, 3)
	col := kernels.Strides{S: [kernels.MaxDims]int64{1, 0}} // [4,1] seen as [4,3]
	a := driver.NewArgs()
	err := kernels.PackBinary(a, kernels.Add,
		&kernels.Operand{Ptr: out, Strides: kernels.Contiguous(4, 3)},
		&kernels.Operand{Ptr: x, Strides: kernels.Contiguous(4, 3)},
		&kernels.Operand{Ptr: y, Strides: col}, &sh)
	k := kernels.BinaryKernel(kernels.F32)
	l := kernels.ElementwiseLaunch(12, 132)
	fmt.Println(k.Expr, err, a.Len(), l.Grid.X, l.Block.X)
	// Output:
	// ember::binary<float> <nil> 324 1 256
}
