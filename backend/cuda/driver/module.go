package driver

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"unsafe"
)

// Module is a CUmodule: loaded device code.
type Module uintptr

// Function is a CUfunction: one kernel of a module.
type Function uintptr

// CUjit_option values used when loading.
const (
	jitErrorLogBuffer      = 5
	jitErrorLogBufferBytes = 6
)

// jitOptions is the option block of cuModuleLoadDataEx.
type jitOptions struct {
	opts [2]int32
	vals [2]uintptr
	log  [8192]byte
}

// LoadModule loads a CUBIN, fatbin or PTX image into the current context.
// PTX is JIT-compiled by the driver; when that fails the error includes the
// driver's log.
func LoadModule(image []byte) (Module, error) {
	if len(image) == 0 {
		return 0, fmt.Errorf("driver: LoadModule: empty image")
	}
	if !bytes.HasPrefix(image, []byte("\x7fELF")) && image[len(image)-1] != 0 {
		// PTX text must be NUL-terminated.
		image = append(image[:len(image):len(image)], 0)
	}
	// One heap object holds the options and the log buffer they point at:
	// passing its address to call keeps it on the heap and alive.
	j := &jitOptions{opts: [2]int32{jitErrorLogBuffer, jitErrorLogBufferBytes}}
	j.vals = [2]uintptr{uintptr(unsafe.Pointer(&j.log[0])), uintptr(len(j.log))}
	var m uintptr
	err := call(symModuleLoadDataEx, uintptr(unsafe.Pointer(&m)), uintptr(unsafe.Pointer(&image[0])),
		2, uintptr(unsafe.Pointer(&j.opts[0])), uintptr(unsafe.Pointer(&j.vals[0])))
	runtime.KeepAlive(j)
	if err != nil {
		logText := j.log[:]
		if i := bytes.IndexByte(logText, 0); i >= 0 {
			logText = logText[:i]
		}
		if log := strings.TrimSpace(string(logText)); log != "" {
			return 0, fmt.Errorf("%w\n%s", err, log)
		}
		return 0, err
	}
	return Module(m), nil
}

// Function returns the kernel with the given (lowered, for C++) name.
func (m Module) Function(name string) (Function, error) {
	cname := append([]byte(name), 0)
	var f uintptr
	if err := call(symModuleGetFunction, uintptr(unsafe.Pointer(&f)), uintptr(m), uintptr(unsafe.Pointer(&cname[0]))); err != nil {
		return 0, fmt.Errorf("kernel %q: %w", name, err)
	}
	return Function(f), nil
}

// Unload frees the module; its functions become invalid.
func (m Module) Unload() error {
	return callPlain(symModuleUnload, 1, uintptr(m), 0, 0, 0, 0, 0)
}

// FuncAttribute is a CUfunction_attribute.
type FuncAttribute int32

// Function attributes.
const (
	FuncMaxThreadsPerBlock      FuncAttribute = 0
	FuncSharedSizeBytes         FuncAttribute = 1
	FuncLocalSizeBytes          FuncAttribute = 3
	FuncNumRegs                 FuncAttribute = 4
	FuncPTXVersion              FuncAttribute = 5
	FuncBinaryVersion           FuncAttribute = 6
	FuncMaxDynamicSharedBytes   FuncAttribute = 8
	FuncPreferredSharedCarveout FuncAttribute = 9
)

// Attribute returns one property of the kernel.
func (f Function) Attribute(a FuncAttribute) (int, error) {
	var v int32
	if err := call(symFuncGetAttribute, uintptr(unsafe.Pointer(&v)), uintptr(a), uintptr(f)); err != nil {
		return 0, err
	}
	return int(v), nil
}

// SetAttribute sets a property of the kernel, such as the dynamic shared
// memory it may use beyond 48 KiB.
func (f Function) SetAttribute(a FuncAttribute, v int) error {
	return callPlain(symFuncSetAttribute, 3, uintptr(f), uintptr(a), uintptr(int32(v)), 0, 0, 0)
}
