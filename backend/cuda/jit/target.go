// Package jit compiles CUDA C to module images and caches them: in memory,
// and on disk under a key that covers everything that affects the output
// (format version, NVRTC version, target, options, source, headers and
// name expressions). Disk entries carry a checksum, so a torn or corrupt
// file is detected and recompiled, and are written to a temporary file
// and renamed, so concurrent processes never see a partial entry and need
// no locks.
package jit

import (
	"errors"
	"fmt"
	"slices"
)

// Target is what a compilation produces: a CUBIN for exactly one SM
// version, or PTX for a virtual architecture that the driver JIT-compiles
// for the device (and for newer ones).
type Target struct {
	// Arch is the SM version times ten plus the minor, such as 90.
	Arch int
	// CUBIN selects a real-architecture binary (sm_XY) over PTX
	// (compute_XY).
	CUBIN bool
}

// String returns the NVRTC spelling, "sm_90" or "compute_80".
func (t Target) String() string {
	if t.CUBIN {
		return fmt.Sprintf("sm_%d", t.Arch)
	}
	return fmt.Sprintf("compute_%d", t.Arch)
}

// Ext is the file extension of the target's images.
func (t Target) Ext() string {
	if t.CUBIN {
		return "cubin"
	}
	return "ptx"
}

// ChooseTarget picks the format for a device of compute capability
// deviceArch (such as 90) given the architectures NVRTC supports: a CUBIN
// for the exact SM when supported (no driver JIT, and no risk that the
// PTX is newer than the driver), else PTX for the highest supported
// architecture below the device's, which the driver compiles on load.
func ChooseTarget(deviceArch int, supported []int) (Target, error) {
	if deviceArch <= 0 {
		return Target{}, fmt.Errorf("jit: bad compute capability %d", deviceArch)
	}
	if slices.Contains(supported, deviceArch) {
		return Target{Arch: deviceArch, CUBIN: true}, nil
	}
	best := 0
	for _, a := range supported {
		if a < deviceArch && a > best {
			best = a
		}
	}
	if best == 0 {
		return Target{}, fmt.Errorf("jit: NVRTC supports no architecture at or below sm_%d (it supports %v)", deviceArch, supported)
	}
	return Target{Arch: best}, nil
}

// ErrNoImage is returned for a cache entry whose image is empty.
var ErrNoImage = errors.New("jit: the compiler produced no image")
