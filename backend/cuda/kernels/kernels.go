// Package kernels holds Ember's CUDA C kernels, embedded in the binary with
// go:embed, and the catalog of their template instantiations.
//
// Each .cu file documents at its top the parameter list of every kernel it
// defines; the Pack functions here append those parameters to a
// driver.Args in the same order and layout. Kernels are C++ templates:
// a [Kernel] names one instantiation by its NVRTC name expression, such as
// "ember::unary<float>", and [Catalog] lists them all per file for
// compilation. No CUDA toolkit header is needed: every file includes only
// ember_common.cuh.
//
// The kernels cover every method of backend.Backend that is not a GEMM
// (cuBLAS does those), with the CPU backend's semantics (backend/cpu is the
// reference the tests compare with): elementwise maps with broadcasting and
// any strides, including the integer and bool ops ([UnaryOpFor],
// [BinaryOpFor] map backend op codes), casts between all eight types, where
// and arange; reductions over any set of axes ([NewReduction]),
// arg-reductions and running sums along an axis; index_select, index_add,
// gather, scatter and nonzero; a stable sort ([NewSort]); im2col, col2im
// and max pooling; the fused optimizer step of every backend.OptimKind;
// the random streams of internal/philox, bit for bit; softmax,
// cross-entropy, layer norm, embedding; and a fused flash-attention style
// forward and backward ([Attention]).
//
// Simple kernels take a Pack function and a launch size from
// [ElementwiseLaunch]; kernels whose launch depends on the layout
// (reductions, scans, sort, nonzero, attention) return their launch, and
// the multi-launch ones are planned first.
//
// The tests run every kernel in the CPU emulator (internal/emu), or on GPU
// 0 with EMBER_KERNEL_TEST_DEVICE=cuda. The few device intrinsics the
// emulator lacks are wrapped in ember_common.cuh with an #ifdef
// __CUDA_ARCH__ branch for the GPU and a plain one for the emulator.
package kernels

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed ember_common.cuh *.cu ptx
var sources embed.FS

// HeaderName is the file name of the shared header the kernels include.
const HeaderName = "ember_common.cuh"

// Header returns the source of ember_common.cuh.
func Header() string { return mustRead(HeaderName) }

// Source returns the text of one kernel file, such as "ember_reduce.cu".
func Source(file string) (string, error) {
	b, err := sources.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("kernels: no kernel file %q", file)
	}
	return string(b), nil
}

// Files lists the kernel files (without the header), sorted.
func Files() []string {
	names, _ := fs.Glob(sources, "*.cu")
	sort.Strings(names)
	return names
}

func mustRead(name string) string {
	b, err := sources.ReadFile(name)
	if err != nil {
		panic("kernels: embedded file missing: " + name) // a build defect, not a run-time condition
	}
	return string(b)
}

// DType is an element type as the kernels spell it.
type DType int

// Element types.
const (
	F32 DType = iota
	F64
	BF16
	F16
	I64
	I32
	U8
	Bool
)

// FloatTypes are the types of the arithmetic kernels.
var FloatTypes = []DType{F32, F64, BF16, F16}

// AllTypes are the types of fill and cast.
var AllTypes = []DType{F32, F64, BF16, F16, I64, I32, U8, Bool}

var dtypeInfo = [...]struct {
	name, ctype string
	size        int
}{
	F32:  {"f32", "float", 4},
	F64:  {"f64", "double", 8},
	BF16: {"bf16", "ember::bf16", 2},
	F16:  {"f16", "ember::f16", 2},
	I64:  {"i64", "ember::i64", 8},
	I32:  {"i32", "ember::i32", 4},
	U8:   {"u8", "ember::u8", 1},
	Bool: {"bool", "ember::boolean", 1},
}

// String returns the short name, such as "bf16".
func (d DType) String() string { return dtypeInfo[d].name }

// CType returns the C++ type the kernels use, such as "ember::bf16".
func (d DType) CType() string { return dtypeInfo[d].ctype }

// Size returns the element size in bytes.
func (d DType) Size() int { return dtypeInfo[d].size }

// AccSize is the size of the arithmetic type of d (8 for F64, else 4): the
// element size of statistics buffers (layer-norm mean, loss, optimizer
// state).
func (d DType) AccSize() int {
	if d == F64 {
		return 8
	}
	return 4
}

// Kernel is one kernel instantiation: its file and name expression.
type Kernel struct {
	File string
	Expr string
}

func (k Kernel) String() string { return k.File + ":" + k.Expr }

func tmpl(name string, args ...string) string {
	return "ember::" + name + "<" + strings.Join(args, ", ") + ">"
}

func boolArg(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
