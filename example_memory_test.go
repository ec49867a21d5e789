package ember_test

import (
	"fmt"
	"os"

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

// A device's caching allocator reports what it holds, like
// torch.cuda.memory_stats; the CPU has no such allocator.
func ExampleMemoryStats() {
	dev := ember.BestDevice()
	x := ember.Zeros([]int{1 << 20}, dev)
	if s, ok := ember.MemoryStats(dev); ok {
		fmt.Printf("%s: %d MiB in use, %d MiB held, %d collections\n", dev, s.Allocated>>20, s.Reserved>>20, s.Collections)
	} else {
		fmt.Println(dev, "has no caching device allocator")
	}
	x.Free()
}

// The device profile lists the GPU time of every kernel and GEMM shape of
// the work queued while it is on (CUDA; the CPU's time shows in pprof).
func ExampleSetDeviceProfiling() {
	dev := ember.BestDevice()
	if err := ember.SetDeviceProfiling(dev, true); err != nil {
		fmt.Println(err)
		return
	}
	x := ember.Randn([]int{1024, 1024}, dev)
	x.Matmul(x).Softmax(-1).Sum().Item()
	ember.SetDeviceProfiling(dev, false)
	if err := ember.WriteDeviceProfile(os.Stdout, dev); err != nil {
		fmt.Println(err)
	}
}
