package nvrtc

import (
	"bytes"
	"fmt"
	"strings"
	"unsafe"
)

// Header is a file that the source may #include by Name.
type Header struct {
	Name, Source string
}

// Program is one NVRTC compilation unit. It is not safe for concurrent use;
// separate programs may compile concurrently.
type Program struct {
	h    uintptr
	keep [][]byte // C strings and arrays NVRTC may point at until Destroy
	ptrs [][]*byte
}

// cstr returns s as a NUL-terminated byte slice kept alive with p.
func (p *Program) cstr(s string) *byte {
	b := append([]byte(s), 0)
	p.keep = append(p.keep, b)
	return &b[0]
}

// cstrs returns a C array of C strings kept alive with p (nil for none).
func (p *Program) cstrs(ss []string) uintptr {
	if len(ss) == 0 {
		return 0
	}
	arr := make([]*byte, len(ss))
	for i, s := range ss {
		arr[i] = p.cstr(s)
	}
	p.ptrs = append(p.ptrs, arr)
	return uintptr(unsafe.Pointer(&arr[0]))
}

// NewProgram creates a program from CUDA C++ source. name is the file name
// used in messages.
func NewProgram(src, name string, headers []Header) (*Program, error) {
	p := &Program{}
	names := make([]string, len(headers))
	texts := make([]string, len(headers))
	for i, h := range headers {
		names[i], texts[i] = h.Name, h.Source
	}
	var h uintptr
	err := call(symCreateProgram, uintptr(unsafe.Pointer(&h)),
		uintptr(unsafe.Pointer(p.cstr(src))), uintptr(unsafe.Pointer(p.cstr(name))),
		uintptr(len(headers)), p.cstrs(texts), p.cstrs(names))
	if err != nil {
		return nil, fmt.Errorf("nvrtc: creating program %s: %w", name, err)
	}
	p.h = h
	return p, nil
}

// Destroy frees the program.
func (p *Program) Destroy() error {
	if p.h == 0 {
		return nil
	}
	err := call(symDestroyProgram, uintptr(unsafe.Pointer(&p.h)))
	p.h, p.keep, p.ptrs = 0, nil, nil
	return err
}

// AddNameExpression registers a C++ name, such as "ember::fill<float>", whose
// mangled (lowered) name LoweredName returns after Compile.
func (p *Program) AddNameExpression(expr string) error {
	return call(symAddNameExpression, p.h, uintptr(unsafe.Pointer(p.cstr(expr))))
}

// CompileError is a compilation that failed; Log holds the compiler's
// messages.
type CompileError struct {
	Name string
	Log  string
	Err  error
}

func (e *CompileError) Error() string {
	log := strings.TrimSpace(e.Log)
	if log == "" {
		return fmt.Sprintf("nvrtc: compiling %s: %v", e.Name, e.Err)
	}
	return fmt.Sprintf("nvrtc: compiling %s: %v\n%s", e.Name, e.Err, log)
}

func (e *CompileError) Unwrap() error { return e.Err }

// Compile compiles the program with NVRTC options such as
// "--gpu-architecture=sm_90". A source error returns a *CompileError with
// the log.
func (p *Program) Compile(name string, opts []string) error {
	err := call(symCompileProgram, p.h, uintptr(len(opts)), p.cstrs(opts))
	if err == nil {
		return nil
	}
	log, _ := p.Log()
	return &CompileError{Name: name, Log: log, Err: err}
}

// Log returns the compiler's messages from the last Compile.
func (p *Program) Log() (string, error) {
	b, err := p.blob(symGetProgramLogSize, symGetProgramLog)
	return string(b), err
}

// PTX returns the compiled PTX text, without the trailing NUL.
func (p *Program) PTX() ([]byte, error) { return p.blob(symGetPTXSize, symGetPTX) }

// CUBIN returns the compiled ELF image; it is empty unless the program was
// compiled for a real architecture (sm_XY).
func (p *Program) CUBIN() ([]byte, error) { return p.blob(symGetCUBINSize, symGetCUBIN) }

// blob reads a size-then-bytes result and drops a trailing NUL.
func (p *Program) blob(sizeSym, getSym sym) ([]byte, error) {
	var n uint64
	if err := call(sizeSym, p.h, uintptr(unsafe.Pointer(&n))); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, nil
	}
	if n > 1<<31 {
		return nil, fmt.Errorf("nvrtc: %s reports an implausible size %d", symNames[sizeSym], n)
	}
	buf := make([]byte, n)
	if err := call(getSym, p.h, uintptr(unsafe.Pointer(&buf[0]))); err != nil {
		return nil, err
	}
	if getSym != symGetCUBIN {
		if i := bytes.IndexByte(buf, 0); i >= 0 {
			buf = buf[:i]
		}
	}
	return buf, nil
}

// LoweredName returns the mangled name of a name expression registered
// before Compile.
func (p *Program) LoweredName(expr string) (string, error) {
	var s *byte
	if err := call(symGetLoweredName, p.h, uintptr(unsafe.Pointer(p.cstr(expr))), uintptr(unsafe.Pointer(&s))); err != nil {
		return "", fmt.Errorf("nvrtc: lowered name of %q: %w", expr, err)
	}
	if s == nil {
		return "", fmt.Errorf("nvrtc: no lowered name for %q", expr)
	}
	n := 0
	for *(*byte)(unsafe.Add(unsafe.Pointer(s), n)) != 0 {
		n++
	}
	return string(unsafe.Slice(s, n)), nil
}
