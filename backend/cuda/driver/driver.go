// Package driver binds the CUDA driver API (libcuda.so.1) without cgo,
// through purego. It covers what Ember's CUDA backend needs: devices, primary
// contexts, streams, events, device and pinned host memory, modules and
// kernel launches.
//
// # Threads and contexts
//
// A CUDA context is current per OS thread, and goroutines move between
// threads. Every call below that works on device state (memory, streams,
// events, modules, launches) must run with the device's context current on
// the calling thread. Bracket each operation with [Context.Bind] and
// [Context.Unbind]:
//
//	if err := ctx.Bind(); err != nil {
//		return err
//	}
//	defer ctx.Unbind()
//
// Bind locks the goroutine to its OS thread and makes the context current
// only if it is not already; Unbind unlocks the thread. Binds nest.
//
// # Costs
//
// Each call goes through purego.SyscallN. The calls made once per tensor op
// ([Function.Launch], [Event.Record], [Stream.WaitEvent], the async copies
// and memsets, [MemAllocAsync], [MemFreeAsync]) do not allocate; the others
// may allocate a few bytes.
//
// # Errors
//
// Every failure is returned as an error, never a panic: *[Error] for a
// failing driver call (it unwraps to its [Result] code, so errors.Is works),
// a *dl.NotFoundError when libcuda is missing, and [ErrNotLoaded] when a
// call comes before [Init].
package driver

import (
	"fmt"
	"sync"
	"unsafe"

	"github.com/emberdl/ember/backend/cuda/internal/dl"
)

var (
	loadOnce sync.Once
	loadErr  error
	loadLib  *dl.Library

	initOnce sync.Once
	initErr  error
)

// Load opens libcuda.so.1 (see package dl for the search) and binds every
// entry point. It does not initialise the driver; [Init] does both. The
// result is cached.
func Load() error {
	loadOnce.Do(func() {
		lib, err := dl.Open(dl.Driver)
		if err != nil {
			loadErr = err
			return
		}
		var addrs [numSyms]uintptr
		if err := lib.Bind(symNames[:], addrs[:]); err != nil {
			loadErr = fmt.Errorf("libcuda is too old for Ember (driver 520 or newer needed): %w", err)
			return
		}
		fns = addrs
		loadLib = lib
	})
	return loadErr
}

// Library returns the libcuda that Load opened, or nil.
func Library() *dl.Library {
	if Load() != nil {
		return nil
	}
	return loadLib
}

// Init loads libcuda and calls cuInit(0). On a machine without a GPU it
// returns an error wrapping [ErrNoDevice]. The result is cached.
func Init() error {
	initOnce.Do(func() {
		if initErr = Load(); initErr != nil {
			return
		}
		initErr = callPlain(symInit, 1, 0, 0, 0, 0, 0, 0)
	})
	return initErr
}

// Version returns the CUDA version the driver supports, such as 12020 for
// 12.2 (cuDriverGetVersion). It needs Load, not Init.
func Version() (int, error) {
	if err := Load(); err != nil {
		return 0, err
	}
	var v int32
	if err := call(symDriverGetVersion, uintptr(unsafe.Pointer(&v))); err != nil {
		return 0, err
	}
	return int(v), nil
}

// VersionString formats a driver version number (12020) as "12.2".
func VersionString(v int) string {
	return fmt.Sprintf("%d.%d", v/1000, v%1000/10)
}
