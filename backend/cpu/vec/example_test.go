package vec_test

import (
	"fmt"

	"github.com/emberdl/ember/backend/cpu/vec"
)

// A softmax row from the primitives: the maximum, the shifted
// exponentials and their sum, then a scale.
func Example() {
	x := []float32{1, 2, 3, 4}
	y := make([]float32, len(x))
	m := vec.Max(x)
	sum := vec.ExpShift(y, x, m)
	vec.MulScalar(y, y, float32(1/sum))
	fmt.Printf("%.4f\n", y)
	// Output: [0.0321 0.0871 0.2369 0.6439]
}

func ExampleAdd() {
	x := []float32{1, 2, 3}
	y := []float32{10, 20, 30}
	dst := make([]float32, 3)
	vec.Add(dst, x, y)
	fmt.Println(dst)
	// Output: [11 22 33]
}

func ExampleAdamStep() {
	p := []float32{1, -1}
	g := []float32{0.5, -0.5}
	m, v := make([]float32, 2), make([]float32, 2)
	a := vec.NewAdam(0.1, 0.9, 0.999, 1e-8, 0, false, false, 1)
	vec.AdamStep(p, g, m, v, &a)
	fmt.Printf("%.4f\n", p) // the first step moves each parameter by lr against its gradient's sign
	// Output: [0.9000 -0.9000]
}
