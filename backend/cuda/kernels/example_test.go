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

// Summing a strided [4, 1000] float32 tensor over its last axis: the plan
// picks a block per output, and a launch of one pass.
func ExampleNewReduction() {
	in := kernels.Contiguous(4, 1000)
	out := kernels.Contiguous(4, 1)
	r, err := kernels.NewReduction([]int64{4, 1000}, in, out, []int{1}, 132)
	if err != nil {
		panic(err)
	}
	a := driver.NewArgs()
	k, _ := r.Kernel(0, kernels.F32, kernels.F32)
	l, err := r.Pack(a, 0, kernels.ReduceSum, 0x1000, 0x2000, 0, 1)
	fmt.Println(r.Passes(), k.Expr, l.Grid.X, l.Block.X, err)
	// Output:
	// 1 ember::reduce<float, float> 1 256 <nil>
}

// Sorting rows of 10000 elements takes tiles sorted in shared memory, two
// merge passes and a final gather.
func ExampleNewSort() {
	s, err := kernels.NewSort([]int64{8, 10000}, 1, 132)
	if err != nil {
		panic(err)
	}
	fmt.Println(s.Steps(), s.WorkspaceBytes())
	// Output:
	// 4 1920000
}
