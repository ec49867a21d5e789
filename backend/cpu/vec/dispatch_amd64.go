//go:build amd64 && !purego

package vec

import "golang.org/x/sys/cpu"

// useAsm selects the assembly kernels; the tests switch it off to run the
// Go twins.
var useAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// HasAsm reports whether this build has assembly kernels for this CPU.
func HasAsm() bool { return cpu.X86.HasAVX2 && cpu.X86.HasFMA }
