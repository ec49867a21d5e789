package driver_test

import (
	"fmt"

	"github.com/emberdl/ember/backend/cuda/driver"
)

// Args packs kernel parameters the way the kernel's C signature lays them
// out; one Args is reused for every launch, so launching allocates nothing.
func ExampleArgs() {
	// For __global__ void scale(float* p, float s, long long n):
	// The launch, with a context bound, is then
	//	err := fn.Launch(driver.D1(blocks), driver.D1(256), 0, stream, a)
	a := driver.NewArgs()
	a.Ptr(0x7f0000000000).F32(0.5).I64(1000)
	fmt.Println(a.Len(), a.Err())
	// Output:
	// 24 <nil>
}
