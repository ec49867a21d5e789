//go:build !amd64 || purego

package vec

// useAsm is always false: this build has only the Go kernels.
var useAsm = false

// HasAsm reports whether this build has assembly kernels for this CPU.
func HasAsm() bool { return false }
