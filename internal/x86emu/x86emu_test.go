package x86emu

import (
	"math"
	"math/big"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"unsafe"
)

// These tests need neither objdump nor an x86 CPU: they parse listings
// written by hand in objdump's format. Package emutest checks the emulator
// against the CPU.

func TestParseOperand(t *testing.T) {
	for _, tc := range []struct {
		text string
		want operand
	}{
		{"%rax", operand{kind: kGP, reg: 0, size: 8}},
		{"%r13d", operand{kind: kGP, reg: 13, size: 4}},
		{"%cl", operand{kind: kGP, reg: 1, size: 1}},
		{"%zmm31", operand{kind: kVec, reg: 31, size: 64}},
		{"%ymm5", operand{kind: kVec, reg: 5, size: 32}},
		{"%k7", operand{kind: kMask, reg: 7, size: 8}},
		{"$0xfffffffffffffff8", operand{kind: kImm, disp: -8}},
		{"$-0x10", operand{kind: kImm, disp: -16}},
		{"(%rsi)", operand{kind: kMem, base: 6, index: noReg, scale: 1}},
		{"-0x8(%rbp)", operand{kind: kMem, base: 5, index: noReg, scale: 1, disp: -8}},
		{"0x40(%rsi,%r10,8)", operand{kind: kMem, base: 6, index: 10, scale: 8, disp: 64}},
		{"(,%rcx,4)", operand{kind: kMem, base: noReg, index: 1, scale: 4}},
		{"0x1234(%rip)", operand{kind: kMem, base: ripReg, index: noReg, scale: 1, disp: 0x1234}},
	} {
		got, err := parseOperand(tc.text)
		if err != nil || got != tc.want {
			t.Errorf("parseOperand(%q) = %+v, %v; want %+v", tc.text, got, err, tc.want)
		}
	}
	for _, bad := range []string{"%xmm32", "%k8", "(%eax)", "%fs:0x8", "*%rax", "(%rax,%rbx,3)", "0x8(%rip,%rax,1)"} {
		if o, err := parseOperand(bad); err == nil {
			t.Errorf("parseOperand(%q) = %+v, want an error", bad, o)
		}
	}
}

func TestDecode(t *testing.T) {
	in := decode(0x10, "vfmadd231ps 0x8(%rbx){1to16},%zmm0,%zmm3{%k1}{z}")
	if in.op != opVfma || in.bcst != 16 || in.mask != 1 || !in.zero || len(in.args) != 3 || in.vec.form != 231 {
		t.Errorf("decode: %+v", in)
	}
	in = decode(0x10, "jne    47a7a8 <sym+0x28>")
	if in.op != opJcc || in.cond != cNE || in.target != 0x47a7a8 {
		t.Errorf("decode: %+v", in)
	}
	in = decode(0x10, "vbroadcastss 0x1234(%rip),%zmm0        # 402000 <mask>")
	if in.op != opVbcast || in.args[0].base != noReg || in.args[0].disp != 0x402000 {
		t.Errorf("decode: %+v", in)
	}
	in = decode(0x10, "testl  $0x7fffffff,0x44(%rsp)")
	if in.op != opTest || in.suffix != 4 {
		t.Errorf("decode: %+v", in)
	}
	for _, text := range []string{"nop", "nopw   0x0(%rax,%rax,1)", "cs nopw 0x0(%rax,%rax,1)", "data16 cs nopw 0x0(%rax,%rax,1)", "xchg   %ax,%ax"} {
		if in := decode(0, text); in.op != opNop {
			t.Errorf("decode(%q): %+v, want a nop", text, in)
		}
	}
	for _, text := range []string{"call   0x401000", "lock xadd %rax,(%rbx)", "vsqrtps %ymm1,%ymm0", "vaddps {rn-sae},%zmm1,%zmm2,%zmm3", "(bad)"} {
		if in := decode(0, text); in.op != opBad {
			t.Errorf("decode(%q): %+v, want opBad", text, in)
		}
	}
}

func TestFrame(t *testing.T) {
	var f Frame
	offs := []int{f.Int(1), f.Float32(2), f.Ptr(nil), f.Float32(3), f.Float32(4), f.Float64(5), f.Float32(6), f.Results(), f.Float32(7), f.Int(8)}
	want := []int{0, 8, 16, 24, 28, 32, 40, 48, 48, 56}
	for i := range want {
		if offs[i] != want[i] {
			t.Fatalf("offsets %v, want %v", offs, want)
		}
	}
	if len(f.Bytes()) != 64 || f.IntAt(0) != 1 || f.Float32At(28) != 4 || f.Float64At(32) != 5 || f.IntAt(56) != 8 {
		t.Fatalf("frame %x", f.Bytes())
	}
}

// exactFMA32 is x*y + z rounded once to float32.
func exactFMA32(x, y, z float32) float32 {
	p := new(big.Float).SetPrec(100).SetFloat64(float64(x))
	p.Mul(p, new(big.Float).SetFloat64(float64(y)))
	s := new(big.Float).SetPrec(24).Add(p, new(big.Float).SetFloat64(float64(z)))
	r, _ := s.Float32()
	return r
}

func TestFMAFloat32(t *testing.T) {
	// x*y + z = 1 + 2^-24 + 2^-57: rounding to float64 first gives the tie
	// 1 + 2^-24, which float32 rounds to even, 1; once rounded it is
	// 1 + 2^-23.
	x := float32(math.Ldexp(1+0x1p-11, -24))
	y := float32(1 - 0x1p-11 + 0x1p-22)
	z := float32(1)
	if twice := float32(math.FMA(float64(x), float64(y), float64(z))); twice != 1 {
		t.Fatalf("double rounding gives %v, the test case is wrong", twice)
	}
	if got, want := fmaFloat32(x, y, z), float32(1+0x1p-23); got != want {
		t.Errorf("fmaFloat32 = %v, want %v", got, want)
	}
	r := rand.New(rand.NewPCG(1, 1))
	for i := 0; i < 100000; i++ {
		x := float32(r.NormFloat64())
		y := float32(r.NormFloat64())
		z := float32(r.NormFloat64())
		if i%2 == 0 {
			z = -float32(float64(x) * float64(y)) // cancellation
		}
		if got, want := fmaFloat32(x, y, z), exactFMA32(x, y, z); got != want {
			t.Fatalf("fmaFloat32(%v, %v, %v) = %v, want %v", x, y, z, got, want)
		}
	}
}

// sum16 is a listing as objdump prints it, of
//
//	func sum16(n int, x *float32) (s float32)
//
// which adds 2·x[i] over n floats, 16 at a time with a masked tail, into
// a vector, then stores the vector at x and the first lane as s.
const sum16 = `
/tmp/x:     file format elf64-x86-64


Disassembly of section .text:

0000000000401000 <x.sum16.abi0>:
  401000:	mov    0x8(%rsp),%rcx
  401005:	mov    0x10(%rsp),%rsi
  40100a:	vpxord %zmm0,%zmm0,%zmm0
  401010:	cmp    $0x10,%rcx
  401014:	jl     40102a <x.sum16.abi0+0x2a>
  401016:	vaddps (%rsi),%zmm0,%zmm0
  40101c:	vaddps (%rsi),%zmm0,%zmm0
  401022:	add    $0x40,%rsi
  401026:	sub    $0x10,%rcx
  401028:	jmp    401010 <x.sum16.abi0+0x10>
  40102a:	mov    $0x1,%eax
  40102f:	shl    %cl,%eax
  401031:	dec    %eax
  401033:	kmovw  %eax,%k1
  401037:	vmovups (%rsi),%zmm1{%k1}{z}
  40103d:	vfmadd231ps 0x18(%rsp){1to16},%zmm1,%zmm0{%k1}
  401045:	mov    0x10(%rsp),%rsi
  40104a:	vmovups %zmm0,(%rsi)
  401050:	vmovss %xmm0,0x18(%rsp)
  401056:	vzeroupper
  40105b:	ret
`

func TestListing(t *testing.T) {
	f, err := parseListing([]byte(sum16), "x.sum16.abi0")
	if err != nil || f == nil {
		t.Fatal(f, err)
	}
	for _, n := range []int{0, 1, 15, 16, 17, 40} {
		x := make([]float32, max(n, 16))
		for i := range x {
			x[i] = float32(i + 1)
		}
		want := make([]float32, 16)
		for i := 0; i < n; i++ {
			want[i%16] += 2 * x[i]
		}
		var fr Frame
		fr.Int(n)
		fr.Ptr(unsafe.Pointer(&x[0]))
		fr.Results()
		s := fr.Float32(2) // also the broadcast factor
		// Only n floats are readable; x's first 16 are written.
		mem := Bytes(unsafe.Pointer(&x[0]), 4*n)
		if n < 16 {
			mem = Bytes(unsafe.Pointer(&x[0]), 4*16)
		}
		if err := f.Call(fr.Bytes(), 1000, mem); err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		runtime.KeepAlive(x)
		for i := range want {
			if x[i] != want[i] {
				t.Fatalf("n=%d: x[:16] = %v, want %v", n, x[:16], want)
			}
		}
		if fr.Float32At(s) != want[0] {
			t.Errorf("n=%d: s = %v, want %v", n, fr.Float32At(s), want[0])
		}
	}
	// The step limit, and an access outside the regions.
	x := make([]float32, 32)
	var fr Frame
	fr.Int(len(x))
	fr.Ptr(unsafe.Pointer(&x[0]))
	fr.Results()
	fr.Float32(1)
	if err := f.Call(fr.Bytes(), 5, Bytes(unsafe.Pointer(&x[0]), 4*len(x))); err == nil || !strings.Contains(err.Error(), "more than 5 steps") {
		t.Errorf("step limit: %v", err)
	}
	err = f.Call(fr.Bytes(), 1000, Bytes(unsafe.Pointer(&x[0]), 4*len(x)-4))
	if err == nil || !strings.Contains(err.Error(), `x.sum16.abi0+0x16 (0x401016) "vaddps (%rsi),%zmm0,%zmm0": read of 64 bytes`) {
		t.Errorf("out of bounds: %v", err)
	}
	runtime.KeepAlive(x)
}
