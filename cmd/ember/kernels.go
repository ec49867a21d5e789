package main

// cpuKernels says which CPU code paths Ember's backend uses on this
// machine.
func cpuKernels() string {
	return "portable Go (no assembly kernels are built into this version)"
}
