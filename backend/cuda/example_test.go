package cuda_test

import (
	"fmt"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cpu"
	"github.com/emberdl/ember/backend/cuda"
)

// Doctor's report is what `ember info` prints; on a machine without a GPU it
// says why CUDA is unavailable and where each library was looked for.
func ExampleDoctor() {
	r := cuda.Doctor()
	if !r.Available {
		fmt.Println("falling back to the CPU:", r.Reason)
	}
	fmt.Print(r)
}

// Open a GPU, falling back to the CPU backend where there is none; the same
// backend calls then run on either.
func ExampleOpen() {
	var be backend.Backend = cpu.New()
	if gpu, err := cuda.Open(0); err == nil {
		be = gpu
	}
	x := backend.Dense(be.FromHost(backend.Float32, []float32{0, 1, 2}), 3)
	y := backend.Dense(be.Alloc(backend.Float32, 3), 3)
	be.Unary(backend.Exp, y, x, 0, 0)
	out := make([]float32, 3)
	be.ToHost(y, out) // waits for the GPU
	fmt.Printf("%.4f\n", out)
	// Output: [1.0000 2.7183 7.3891]
}

// TF32 is off by default, so float32 matmuls match the CPU to float32
// rounding; turn it on for speed, as torch.backends.cuda.matmul.allow_tf32.
func ExampleSetAllowTF32() {
	cuda.SetAllowTF32(true)
	defer cuda.SetAllowTF32(false)
	fmt.Println(cuda.AllowTF32())
	// Output: true
}
