package driver

import (
	"runtime"
	"unsafe"
)

// Context is a device's primary context, shared with every library in the
// process that uses the CUDA runtime (cuBLAS, NCCL). Retain it once per
// device with [RetainPrimaryContext].
type Context struct {
	h   uintptr
	dev Device
}

// Scheduling flags for [SetPrimaryContextFlags] (CU_CTX_SCHED_*).
const (
	SchedAuto         = 0
	SchedSpin         = 1
	SchedYield        = 2
	SchedBlockingSync = 4
)

// SetPrimaryContextFlags sets how host threads wait for the device; it takes
// effect when the primary context is next created.
func SetPrimaryContextFlags(d Device, flags uint32) error {
	return callPlain(symDevicePrimaryCtxSetFlags, 2, uintptr(d), uintptr(flags), 0, 0, 0, 0)
}

// PrimaryContextState reports the primary context's flags and whether it
// is active (retained by anyone in the process).
func PrimaryContextState(d Device) (flags uint32, active bool, err error) {
	var f uint32
	var a int32
	err = call(symDevicePrimaryCtxGetState, uintptr(d), uintptr(unsafe.Pointer(&f)), uintptr(unsafe.Pointer(&a)))
	return f, a != 0, err
}

// RetainPrimaryContext retains (creating if needed) the primary context of d.
func RetainPrimaryContext(d Device) (*Context, error) {
	var h uintptr
	if err := call(symDevicePrimaryCtxRetain, uintptr(unsafe.Pointer(&h)), uintptr(d)); err != nil {
		return nil, err
	}
	return &Context{h: h, dev: d}, nil
}

// Release drops the reference RetainPrimaryContext took. The context must
// not be used afterwards.
func (c *Context) Release() error {
	return callPlain(symDevicePrimaryCtxRelease, 1, uintptr(c.dev), 0, 0, 0, 0, 0)
}

// Device returns the context's device.
func (c *Context) Device() Device { return c.dev }

// Handle returns the raw CUcontext.
func (c *Context) Handle() uintptr { return c.h }

// Bind locks the calling goroutine to its OS thread and makes c current on
// that thread if it is not already. Every successful Bind must be paired
// with an Unbind. On error the thread is left unlocked.
func (c *Context) Bind() error {
	runtime.LockOSThread()
	cur, err := callOut(symCtxGetCurrent, 1, 0, 0, 0)
	if err == nil && uintptr(cur) != c.h {
		err = callPlain(symCtxSetCurrent, 1, c.h, 0, 0, 0, 0, 0)
	}
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	return nil
}

// Unbind undoes one Bind. The context stays current on the thread, so the
// next Bind there is one cheap query.
func (c *Context) Unbind() { runtime.UnlockOSThread() }

// Synchronize waits for all work in the context (cuCtxSynchronize).
func (c *Context) Synchronize() error {
	if err := c.Bind(); err != nil {
		return err
	}
	defer c.Unbind()
	return callPlain(symCtxSynchronize, 0, 0, 0, 0, 0, 0, 0)
}

// MemGetInfo returns the free and total memory of the current context's
// device, in bytes. Call it between Bind and Unbind.
func MemGetInfo() (free, total uint64, err error) {
	err = call(symMemGetInfo, uintptr(unsafe.Pointer(&free)), uintptr(unsafe.Pointer(&total)))
	return free, total, err
}
