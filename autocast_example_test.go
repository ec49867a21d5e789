package ember_test

import (
	"fmt"

	"github.com/emberdl/ember"
)

// ExampleAutocast runs a layer in bfloat16: the matrix product returns
// bfloat16, the softmax float32, and the float32 weight gets a float32
// gradient through the recorded cast.
func ExampleAutocast() {
	x := ember.Randn([]int{4, 8}, ember.NewGenerator(1))
	w := ember.Randn([]int{3, 8}, ember.NewGenerator(2), ember.RequiresGrad)
	var h, p *ember.Tensor
	ember.Autocast(ember.BFloat16, func() {
		h = ember.Linear(x, w, nil) // lower precision: bfloat16
		p = h.Softmax(-1)           // float32
	})
	p.Select(1, 0).Sum().Backward() // after the scope, or inside: the same
	fmt.Println(h.DType(), p.DType(), w.Grad().DType(), w.Grad().Shape())
	// Output:
	// bfloat16 float32 float32 [3 8]
}
