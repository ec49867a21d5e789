//go:build amd64 && !purego

package emutest_test

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/emberdl/ember/internal/x86emu"
	"github.com/emberdl/ember/internal/x86emu/emutest"
	"golang.org/x/sys/cpu"
)

const pkg = "github.com/emberdl/ember/internal/x86emu/emutest."

// keep512 makes the linker keep the AVX-512 functions, which the tests
// never call.
var keep512 = []any{emutest.Axpy512, emutest.AxpyPD512, emutest.Mask512, emutest.Unsupported, emutest.TailJump}

var loaded sync.Map // name -> *x86emu.Func

// load loads emutest's function name from the test binary. A missing
// objdump fails the test: the emulator cannot work without it.
func load(t testing.TB, name string) *x86emu.Func {
	t.Helper()
	runtime.KeepAlive(keep512)
	if f, ok := loaded.Load(name); ok {
		return f.(*x86emu.Func)
	}
	if _, err := exec.LookPath("objdump"); err != nil {
		t.Fatalf("objdump not found: install GNU binutils (apt-get install binutils), which the x86emu tests need: %v", err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	f, err := x86emu.Load(exe, pkg+name)
	if err != nil {
		t.Fatal(err)
	}
	loaded.Store(name, f)
	return f
}

// native reports whether this CPU runs the AVX2+FMA functions, so that the
// tests compare the emulation with them; the emulator itself needs no
// particular CPU.
var native = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// resultSums are SHA-256 sums of the bits that the tests comparing with
// native code expect, in their order, as this project's AVX2 machines
// compute them natively (the inputs come from fixed seeds). Where the CPU
// runs the functions, the native results must match them too; where it
// does not, the emulation is checked against them instead of against a
// native run.
var resultSums = map[string]string{
	"Axpy":  "3b46da588c0c20632053d2f013b88345bb42e67e6cbe06a4561972aeda447dba",
	"Dot":   "5b1ccfbfe4eb9069c6ce945fa2251dce8f8d9782bacac70a29f7b0d9355e6788",
	"Gemm8": "8bf3032007d98f948c3195ab9a3e2001656b50018e132e4eb45b2e5e091c8fd9",
	"OpsPS": "e87dbf3ccea62daef98cd69e2e0d02f9ecdf170f5c554c0009b0cf1e70d30aae",
	"OpsPD": "f863bb33e789b5be18a6e6f6d0f076c50c4c637e96f7ed2e36ad501d762fe0c6",
}

// results hashes the expected bits of one test (see resultSums).
type results struct{ h hash.Hash }

func newResults() results { return results{sha256.New()} }

// addResults hashes the bits of vals into r.
func addResults[T float32 | float64 | int](r results, vals ...T) {
	for _, v := range vals {
		var b [8]byte
		switch v := any(v).(type) {
		case int:
			binary.LittleEndian.PutUint64(b[:], uint64(v))
		case float32:
			binary.LittleEndian.PutUint64(b[:], bits(v))
		case float64:
			binary.LittleEndian.PutUint64(b[:], bits(v))
		}
		r.h.Write(b[:])
	}
}

// check requires the hashed bits to be resultSums[name].
func (r results) check(t *testing.T, name string) {
	t.Helper()
	if got := hex.EncodeToString(r.h.Sum(nil)); got != resultSums[name] {
		t.Errorf("%s: the expected results hash to %s, not to the recorded %s (native %v)", name, got, resultSums[name], native)
	}
}

// f32s returns n random float32 in [-2, 2).
func f32s(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.Float64()*4 - 2)
	}
	return s
}

// ptr is the address of s's first element, or nil.
func ptr[T any](s []T) unsafe.Pointer {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Pointer(&s[0])
}

// p32 is &s[0], or nil.
func p32(s []float32) *float32 { return (*float32)(ptr(s)) }

// region is s as a Region.
func region[T any](s []T) x86emu.Region {
	var z T
	return x86emu.Bytes(ptr(s), len(s)*int(unsafe.Sizeof(z)))
}

// sameBits fails unless got and want have identical bits.
func sameBits[T float32 | float64](t *testing.T, what string, got, want []T) {
	t.Helper()
	for i := range want {
		if bits(got[i]) != bits(want[i]) {
			t.Fatalf("%s[%d]: emulated %v (%#x), native %v (%#x)", what, i, got[i], bits(got[i]), want[i], bits(want[i]))
		}
	}
}

func bits[T float32 | float64](v T) uint64 {
	switch v := any(v).(type) {
	case float32:
		return uint64(math.Float32bits(v))
	default:
		return math.Float64bits(v.(float64))
	}
}

var lengths = []int{0, 1, 2, 7, 8, 9, 15, 16, 17, 24, 31, 33, 64, 100}

// axpyFrame is the frame of Axpy(n, a, x, y) and its relatives.
func axpyFrame(n int, a float32, x, y []float32) []byte {
	var fr x86emu.Frame
	fr.Int(n)
	fr.Float32(a)
	fr.Ptr(ptr(x))
	fr.Ptr(ptr(y))
	return fr.Bytes()
}

func TestAxpy(t *testing.T) {
	f := load(t, "Axpy")
	sums := newResults()
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range lengths {
		a := float32(r.Float64()*4 - 2)
		x, y := f32s(r, n), f32s(r, n)
		want := append([]float32(nil), y...)
		if err := f.Call(axpyFrame(n, a, x, y), 10000, region(x), region(y)); err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		if native {
			emutest.Axpy(n, a, p32(x), p32(want))
			sameBits(t, fmt.Sprintf("n=%d: y", n), y, want)
		}
		runtime.KeepAlive(x)
		addResults(sums, y...)
	}
	sums.check(t, "Axpy")
	// a*x + y = 1 + 2^-24 + 2^-57, which rounds to 1 + 2^-23 once but to 1
	// through float64: the emulated FMA must round once, as the CPU does,
	// in the vector loop and in the scalar tail.
	n := 9
	a := float32(math.Ldexp(1+0x1p-11, -24))
	x, y := make([]float32, n), make([]float32, n)
	for i := range x {
		x[i], y[i] = float32(1-0x1p-11+0x1p-22), 1
	}
	want := append([]float32(nil), y...)
	if err := f.Call(axpyFrame(n, a, x, y), 10000, region(x), region(y)); err != nil {
		t.Fatal(err)
	}
	if native {
		emutest.Axpy(n, a, p32(x), p32(want))
		sameBits(t, "double rounding: y", y, want)
	} else {
		copy(want, y) // checked against the exact value below
	}
	runtime.KeepAlive(x)
	if want[0] != 1+0x1p-23 || want[8] != 1+0x1p-23 {
		t.Errorf("native %v, want 1+2^-23", want)
	}
}

func TestDot(t *testing.T) {
	f := load(t, "Dot")
	sums := newResults()
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range lengths {
		x, y := f32s(r, n), f32s(r, n)
		var fr x86emu.Frame
		fr.Ptr(ptr(x))
		fr.Ptr(ptr(y))
		fr.Int(n)
		fr.Results()
		sumOff := fr.Float32(0)
		blocksOff := fr.Int(0)
		if err := f.Call(fr.Bytes(), 10000, region(x), region(y)); err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		sum, blocks := fr.Float32At(sumOff), fr.IntAt(blocksOff)
		if native {
			wantSum, wantBlocks := emutest.Dot(p32(x), p32(y), n)
			if math.Float32bits(sum) != math.Float32bits(wantSum) {
				t.Errorf("n=%d: emulated sum %v, native %v", n, sum, wantSum)
			}
			if blocks != wantBlocks {
				t.Errorf("n=%d: emulated blocks %d, native %d", n, blocks, wantBlocks)
			}
		}
		runtime.KeepAlive(x)
		runtime.KeepAlive(y)
		addResults(sums, sum)
		addResults(sums, blocks)
	}
	sums.check(t, "Dot")
}

func TestGemm8(t *testing.T) {
	f := load(t, "Gemm8")
	sums := newResults()
	r := rand.New(rand.NewPCG(5, 6))
	for _, m := range []int{1, 2, 5} {
		for _, k := range []int{0, 1, 3, 8, 13} {
			lda := k + 3
			a, b, c := f32s(r, m*lda), f32s(r, k*8), f32s(r, m*8)
			want := append([]float32(nil), c...)
			var fr x86emu.Frame
			fr.Int(m)
			fr.Int(k)
			fr.Ptr(ptr(a))
			fr.Int(lda)
			fr.Ptr(ptr(b))
			fr.Ptr(ptr(c))
			if err := f.Call(fr.Bytes(), 100000, region(a), region(b), region(c)); err != nil {
				t.Fatalf("m=%d k=%d: %v", m, k, err)
			}
			if native {
				emutest.Gemm8(m, k, p32(a), lda, p32(b), p32(want))
				sameBits(t, fmt.Sprintf("m=%d k=%d: c", m, k), c, want)
			}
			runtime.KeepAlive(a)
			runtime.KeepAlive(b)
			addResults(sums, c...)
		}
	}
	sums.check(t, "Gemm8")
}

// flagsMask is the condition bits of Flags that op defines for the
// operands a and b: imul leaves ZF and SF undefined, a shift by more than
// one leaves OF undefined.
func flagsMask(op, b int) int {
	const (
		all   = 1<<12 - 1
		noOF  = all &^ (1<<9 | 1<<8 | 1<<7 | 1<<6) // not l, le, g, ge
		carry = 1<<5 | 1<<2                        // b, ae
	)
	switch op {
	case 10, 11, 20, 34: // imul
		return carry
	case 12, 14: // shift by an immediate > 1
		return noOF
	case 15, 16, 17: // 64-bit shift by %cl
		if b&63 > 1 {
			return noOF
		}
	case 21, 30: // 32-bit shift by %cl
		if b&31 > 1 {
			return noOF
		}
	}
	return all
}

func TestFlags(t *testing.T) {
	f := load(t, "Flags")
	r := rand.New(rand.NewPCG(7, 8))
	edge := []uint64{0, 1, 2, 3, 5, 31, 32, 63, 64, 0x7f, 0x80, 0xff, 0x7fffffff, 0x80000000, 0xffffffff,
		0x100000000, 1<<63 - 1, 1 << 63, 1<<63 + 1, ^uint64(0), ^uint64(1)}
	val := func() int {
		if r.IntN(2) == 0 {
			return int(edge[r.IntN(len(edge))])
		}
		if r.IntN(2) == 0 {
			return int(int32(r.Uint32())) // small: imul without overflow
		}
		return int(r.Uint64())
	}
	for op := 0; op < emutest.FlagsOps; op++ {
		for i := 0; i < 300; i++ {
			a, b := val(), val()
			wantR, wantCond := emutest.Flags(op, a, b)
			var fr x86emu.Frame
			fr.Int(op)
			fr.Int(a)
			fr.Int(b)
			rOff, condOff := fr.Int(0), fr.Int(0)
			if err := f.Call(fr.Bytes(), 1000); err != nil {
				t.Fatalf("op %d: %v", op, err)
			}
			m := flagsMask(op, b)
			if gotR, gotCond := fr.IntAt(rOff), fr.IntAt(condOff); gotR != wantR || gotCond&m != wantCond&m {
				t.Fatalf("op %d, a=%#x b=%#x: emulated r=%#x cond=%012b, native r=%#x cond=%012b (mask %012b)",
					op, a, b, gotR, gotCond&m, wantR, wantCond&m, m)
			}
		}
	}
}

// specials32 and specials64 are values that the float operations treat
// specially: zeros, infinities, NaNs (quiet and signaling, with payloads),
// subnormals, extremes.
var (
	specials32 = []uint32{0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fc12345,
		0xff812345, 0x7f800001, 0x00000001, 0x80400000, 0x007fffff, 0x7f7fffff, 0xff7fffff, 0x3f800000, 0xbf800000, 0x00800000}
	specials64 = []uint64{0, 1 << 63, 0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000000,
		0xfff8000000000000, 0x7ff8000000012345, 0xfff0000000012345, 0x7ff0000000000001, 1,
		0x800fffffffffffff, 0x7fefffffffffffff, 0x3ff0000000000000, 0xbff0000000000000}
)

// opsInput returns random values, some of them special.
func opsInput32(r *rand.Rand, n int) []float32 {
	s := f32s(r, n)
	for i := range s {
		switch r.IntN(4) {
		case 0:
			s[i] = math.Float32frombits(specials32[r.IntN(len(specials32))])
		case 1:
			s[i] = math.Float32frombits(r.Uint32()) // any bits, any exponent
		}
	}
	return s
}

func opsInput64(r *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		switch r.IntN(4) {
		case 0:
			s[i] = math.Float64frombits(specials64[r.IntN(len(specials64))])
		case 1:
			s[i] = math.Float64frombits(r.Uint64())
		default:
			s[i] = r.Float64()*4 - 2
		}
	}
	return s
}

// aligned64 returns n float64 whose first is 32-byte aligned.
func aligned64(n int) []float64 {
	s := make([]float64, n+4)
	off := int(uintptr(unsafe.Pointer(&s[0])) % 32 / 8)
	return s[(4-off)%4:][:n]
}

func TestOpsPS(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	checkOps(t, "OpsPS", 8, 28, emutest.OpsPS, func() (x, y, z, out []float32) {
		return opsInput32(r, 8), opsInput32(r, 8), opsInput32(r, 8), f32s(r, 28*8)
	}, func(v float32) uint64 { return uint64(math.Float32bits(v)) })
}

func TestOpsPD(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	checkOps(t, "OpsPD", 4, 18, emutest.OpsPD, func() (x, y, z, out []float64) {
		z = aligned64(4)
		copy(z, opsInput64(r, 4))
		return opsInput64(r, 4), opsInput64(r, 4), z, opsInput64(r, 18*4)
	}, math.Float64bits)
}

// checkOps runs the assembly function name (native, with the Go
// declaration native) and its emulation on 2000 random inputs of lanes
// values each, and requires the same bits in every result: each
// block of out holds one operation's lanes.
func checkOps[T float32 | float64](t *testing.T, name string, lanes, blocks int, run func(x, y, z, out *T),
	inputs func() (x, y, z, out []T), bits func(T) uint64) {
	f := load(t, name)
	sums := newResults()
	for range 2000 {
		x, y, z, out := inputs()
		want := make([]T, lanes*blocks)
		copy(want, out)
		var fr x86emu.Frame
		for _, s := range [][]T{x, y, z, out} {
			fr.Ptr(ptr(s))
		}
		if err := f.Call(fr.Bytes(), 1000, region(x), region(y), region(z), region(out)); err != nil {
			t.Fatal(err)
		}
		runtime.KeepAlive(x)
		runtime.KeepAlive(y)
		runtime.KeepAlive(z)
		if !native {
			addResults(sums, out...)
			continue
		}
		run(&x[0], &y[0], &z[0], &want[0])
		addResults(sums, want...)
		for j := range want {
			if bits(out[j]) != bits(want[j]) {
				l := j % lanes
				t.Fatalf("block %d lane %d, x=%#x y=%#x z=%#x: emulated %#x, native %#x", j/lanes, l,
					bits(x[l]), bits(y[l]), bits(z[l]), bits(out[j]), bits(want[j]))
			}
		}
	}
	sums.check(t, name)
}

// fmaRef is x*y + z rounded once to float32, computed exactly with
// big.Float (for finite values whose result is a normal float32).
func fmaRef(x, y, z float32) float32 {
	p := new(big.Float).SetPrec(200).SetFloat64(float64(x))
	p.Mul(p, new(big.Float).SetFloat64(float64(y)))
	s := new(big.Float).SetPrec(24).SetMode(big.ToNearestEven)
	s.Add(p, new(big.Float).SetFloat64(float64(z)))
	r, _ := s.Float32()
	return r
}

// axpy512Lengths include a masked tail of every length.
var axpy512Lengths = []int{0, 1, 5, 15, 16, 17, 31, 32, 40, 47, 100}

func TestAxpy512(t *testing.T) {
	f := load(t, "Axpy512")
	r := rand.New(rand.NewPCG(13, 14))
	for _, n := range axpy512Lengths {
		a := float32(r.Float64()*4 - 2)
		x, y := f32s(r, n), f32s(r, n)
		want := make([]float32, n)
		for i := range want {
			want[i] = fmaRef(a, x[i], y[i])
		}
		// x and y registered exactly: the masked tail must touch no lane
		// past them.
		if err := f.Call(axpyFrame(n, a, x, y), 10000, region(x), region(y)); err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		runtime.KeepAlive(x)
		sameBits(t, fmt.Sprintf("n=%d: y", n), y, want)
	}
}

func TestAxpyPD512(t *testing.T) {
	f := load(t, "AxpyPD512")
	r := rand.New(rand.NewPCG(15, 16))
	for _, n := range axpy512Lengths {
		a := r.Float64()*4 - 2
		x, y := opsInput64(r, n), opsInput64(r, n)
		want := make([]float64, n)
		for i := range want {
			want[i] = float64(x[i]*a) + y[i]
			if math.IsNaN(want[i]) {
				want[i] = math.NaN() // any NaN: compared as NaN below
			}
		}
		var fr x86emu.Frame
		fr.Int(n)
		fr.Float64(a)
		fr.Ptr(ptr(x))
		fr.Ptr(ptr(y))
		if err := f.Call(fr.Bytes(), 10000, region(x), region(y)); err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		runtime.KeepAlive(x)
		for i := range want {
			if math.IsNaN(want[i]) && math.IsNaN(y[i]) {
				continue
			}
			if math.Float64bits(y[i]) != math.Float64bits(want[i]) {
				t.Fatalf("n=%d: y[%d] = %v, want %v", n, i, y[i], want[i])
			}
		}
	}
}

func TestMask512(t *testing.T) {
	f := load(t, "Mask512")
	for n := 0; n < 64; n++ {
		var fr x86emu.Frame
		fr.Int(n)
		off := fr.Int(0)
		if err := f.Call(fr.Bytes(), 100); err != nil {
			t.Fatal(err)
		}
		if got, want := fr.IntAt(off), (1<<n-1)&0xffff; got != want {
			t.Errorf("n=%d: %#x, want %#x", n, got, want)
		}
	}
}

// wantError fails unless err is an error containing each of the strings.
func wantError(t *testing.T, err error, subs ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one mentioning %q", subs)
	}
	for _, s := range subs {
		if !strings.Contains(err.Error(), s) {
			t.Fatalf("error %q does not mention %q", err, s)
		}
	}
}

func TestOutOfRegion(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	for _, tc := range []struct {
		name  string
		n     int
		instr string // the instruction expected to fault
	}{
		{"Axpy", 8, "vmovups (%rdi),%ymm1"},
		{"Axpy", 17, "vmovss (%rdi),%xmm1"},
		{"Axpy512", 16, "vfmadd213ps (%rdi),%zmm16,%zmm17"},
		{"Axpy512", 20, "vmovups (%rdi),%zmm18{%k1}"},
	} {
		f := load(t, tc.name)
		x, y := f32s(r, tc.n), f32s(r, tc.n)
		// y is registered one element short.
		err := f.Call(axpyFrame(tc.n, 1, x, y), 10000, region(x), region(y[:tc.n-1]))
		runtime.KeepAlive(y)
		wantError(t, err, "emutest."+tc.name, "+0x", tc.instr, "read of", "outside every region")
		t.Logf("%s(%d): %v", tc.name, tc.n, err)
	}
}

func TestStepLimit(t *testing.T) {
	f := load(t, "Axpy")
	x, y := make([]float32, 1000), make([]float32, 1000)
	err := f.Call(axpyFrame(len(x), 1, x, y), 50, region(x), region(y))
	wantError(t, err, "more than 50 steps")
}

func TestUnsupported(t *testing.T) {
	f := load(t, "Unsupported")
	x := make([]float32, 8)
	var fr x86emu.Frame
	fr.Ptr(ptr(x))
	err := f.Call(fr.Bytes(), 100, region(x))
	wantError(t, err, "vsqrtps (%rax),%ymm0", "unsupported instruction")
}

func TestJumpOutside(t *testing.T) {
	f := load(t, "TailJump")
	x, y := make([]float32, 8), make([]float32, 8)
	err := f.Call(axpyFrame(len(x), 1, x, y), 100, region(x), region(y))
	wantError(t, err, "jmp", "outside the function")
}

func TestMisaligned(t *testing.T) {
	f := load(t, "CopyAligned")
	buf := make([]float32, 32)
	off := int(uintptr(unsafe.Pointer(&buf[0])) % 32 / 4)
	src := buf[(8-off)%8:][:8]
	dst := make([]float32, 8+8)
	doff := int(uintptr(unsafe.Pointer(&dst[0])) % 32 / 4)
	dst = dst[(8-doff)%8:][:8]
	for i := range src {
		src[i] = float32(i)
	}
	if native {
		emutest.CopyAligned(&dst[0], &src[0]) // natively: aligned is fine
	} else {
		copy(dst, src)
	}
	for _, tc := range []struct {
		src  []float32
		want string
	}{{src, ""}, {buf[1:][:8], "misaligned 32-byte operand"}} {
		var fr x86emu.Frame
		got := make([]float32, 8+8)
		goff := int(uintptr(unsafe.Pointer(&got[0])) % 32 / 4)
		got = got[(8-goff)%8:][:8]
		fr.Ptr(ptr(got))
		fr.Ptr(ptr(tc.src))
		err := f.Call(fr.Bytes(), 100, region(got), region(buf))
		if tc.want == "" {
			if err != nil {
				t.Fatal(err)
			}
			sameBits(t, "dst", got, dst)
			continue
		}
		wantError(t, err, "vmovaps (%rsi),%ymm0", tc.want)
	}
	runtime.KeepAlive(buf)
}

// TestConcurrent runs one Func from several goroutines at once.
func TestConcurrent(t *testing.T) {
	f := load(t, "Axpy512")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for g := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 100 + g
			x, y := make([]float32, n), make([]float32, n)
			for i := range x {
				x[i], y[i] = float32(i), float32(g)
			}
			for rep := 0; rep < 20 && errs[g] == nil; rep++ {
				errs[g] = f.Call(axpyFrame(n, 1, x, y), 10000, region(x), region(y))
			}
			runtime.KeepAlive(x)
			for i := range y {
				if want := float32(g + 20*i); y[i] != want && errs[g] == nil {
					errs[g] = fmt.Errorf("goroutine %d: y[%d] = %v, want %v", g, i, y[i], want)
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// Example_emulate runs the AVX-512 function Axpy512 (y += a*x) in the
// emulator, on any x86-64 CPU.
func Example_emulate() {
	exe, err := os.Executable()
	if err != nil {
		fmt.Println(err)
		return
	}
	runtime.KeepAlive(keep512) // link Axpy512 into the test binary
	f, err := x86emu.Load(exe, "github.com/emberdl/ember/internal/x86emu/emutest.Axpy512")
	if err != nil {
		fmt.Println(err) // objdump missing, or the symbol
		return
	}
	x := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}
	y := make([]float32, len(x))
	var fr x86emu.Frame
	fr.Int(len(x))
	fr.Float32(0.5)
	fr.Ptr(unsafe.Pointer(&x[0]))
	fr.Ptr(unsafe.Pointer(&y[0]))
	err = f.Call(fr.Bytes(), 1000,
		x86emu.Bytes(unsafe.Pointer(&x[0]), 4*len(x)),
		x86emu.Bytes(unsafe.Pointer(&y[0]), 4*len(y)))
	runtime.KeepAlive(x)
	runtime.KeepAlive(y)
	fmt.Println(y, err)

	// One element too few registered: the masked tail's last lane is outside.
	err = f.Call(fr.Bytes(), 1000,
		x86emu.Bytes(unsafe.Pointer(&x[0]), 4*len(x)),
		x86emu.Bytes(unsafe.Pointer(&y[0]), 4*len(y)-4))
	fmt.Println(err != nil && strings.Contains(err.Error(), `"vmovups (%rdi),%zmm18{%k1}": read of 4 bytes`))
	// Output:
	// [0.5 1 1.5 2 2.5 3 3.5 4 4.5 5 5.5 6 6.5 7 7.5 8 8.5 9 9.5 10] <nil>
	// true
}
