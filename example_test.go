package ember_test

import (
	"fmt"

	"github.com/emberdl/ember"
)

// Example_tour is the README's tour.
func Example_tour() {
	// Tensors from Go data; gradients flow to those that ask for them.
	x := ember.From([][]float32{{1, 2}, {3, 4}})
	w := ember.From([][]float32{{0.5}, {-1}}, ember.RequiresGrad)

	y := x.Matmul(w).Tanh().Sum() // ops run eagerly, like PyTorch
	y.Backward()                  // reverse-mode autograd

	fmt.Printf("%.4f\n", y.Item())
	fmt.Printf("%.4f\n", w.Grad().Float32s())
	// Output:
	// -1.8918
	// [0.2605 0.4678]
}

func ExampleCatch() {
	a := ember.Ones([]int{2, 3})
	b := ember.Ones([]int{4, 5})
	err := ember.Catch(func() { a.Matmul(b) })
	fmt.Println(err)
	// Output:
	// matmul: shapes [2 3] and [4 5] are not aligned: 3 != 4
}

func ExampleTensor_Backward() {
	x := ember.From([]float64{1, 2, 3}, ember.RequiresGrad)
	y := x.Mul(x).Sum() // y = Σ x²
	y.Backward()
	fmt.Println(x.Grad().Float64s()) // dy/dx = 2x
	// Output:
	// [2 4 6]
}

func ExampleNoGrad() {
	w := ember.Randn([]int{3}, ember.RequiresGrad)
	ember.NoGrad(func() {
		y := w.MulScalar(2)
		fmt.Println(y.RequiresGrad())
	})
	// Output:
	// false
}
