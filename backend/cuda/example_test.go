package cuda_test

import (
	"fmt"

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
