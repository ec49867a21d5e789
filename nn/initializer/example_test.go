package initializer_test

import (
	"fmt"
	"math"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/nn/initializer"
)

func ExampleKaimingUniform() {
	w := ember.Zeros([]int{64, 16, 3, 3}) // a conv weight: fan_in = 16·3·3
	if _, err := initializer.KaimingUniform(w, 0, initializer.FanIn, "relu", ember.NewGenerator(1)); err != nil {
		panic(err)
	}
	fanIn, fanOut, _ := initializer.Fans(w)
	gain, _ := initializer.Gain("relu", 0)
	bound := gain * math.Sqrt(3/float64(fanIn))
	largest := 0.0
	for _, v := range w.Float64s() {
		largest = math.Max(largest, math.Abs(v))
	}
	fmt.Printf("fan_in %d, fan_out %d, bound %.4f, within: %v\n", fanIn, fanOut, bound, largest <= bound)
	// Output:
	// fan_in 144, fan_out 576, bound 0.2041, within: true
}

func ExampleOrthogonal() {
	w := ember.Zeros([]int{2, 3}, ember.Float64)
	if _, err := initializer.Orthogonal(w, 1, ember.NewGenerator(4)); err != nil {
		panic(err)
	}
	// The two rows are orthonormal: W·Wᵀ = I.
	gram := w.Matmul(w.T()).Float64s()
	for i, v := range gram {
		gram[i] = math.Round(v*1e9)/1e9 + 0 // + 0 turns -0 into 0
	}
	fmt.Println(gram)
	// Output:
	// [1 0 0 1]
}
