package ember_test

import (
	"fmt"

	"github.com/emberdl/ember"
)

// Free hands a big temporary's memory back at once instead of at the next
// garbage collection; any later use of it is an error.
func ExampleTensor_Free() {
	x := ember.Ones([]int{1000, 1000})
	total := x.Sum().Item()
	x.Free()
	fmt.Println(total, x.Freed())
	fmt.Println(ember.Catch(func() { x.Sum() }) != nil)
	// Output:
	// 1e+06 true
	// true
}

// EmptyCache returns the memory kept for reuse to the system between
// phases whose tensors differ in size.
func ExampleEmptyCache() {
	w := ember.Randn([]int{64, 64})
	for range 3 { // a phase with big temporaries
		big := ember.Randn([]int{512, 512})
		_ = big.Matmul(big).Sum()
	}
	if err := ember.EmptyCache(); err != nil {
		fmt.Println(err)
	}
	fmt.Println(w.Shape())
	// Output: [64 64]
}
