package x86emu

import (
	"errors"
	"fmt"
	"math/bits"
)

// op is what an instruction does.
type op uint8

const (
	opBad op = iota // cannot be run: inst.bad says why
	opNop
	opInt3
	opMov
	opMovsxd
	opLea
	opAdd
	opSub
	opAnd
	opOr
	opXor
	opCmp
	opTest
	opInc
	opDec
	opNeg
	opImul
	opShl
	opShr
	opSar
	opPush
	opPop
	opJmp
	opJcc
	opRet
	opPrefetch
	opVmov       // vmovups, vmovaps, vmovupd, vmovapd
	opVmovScalar // vmovss, vmovsd
	opVbcast     // vbroadcastss, vbroadcastsd
	opVarith     // packed and scalar add, sub, mul, div, max, min; xor
	opVfma       // vfmadd132, 213, 231
	opKmov
	opVzeroupper
	opVzeroall
)

// gpOps maps general-purpose mnemonics (without an l or q suffix) to ops.
var gpOps = map[string]op{
	"mov": opMov, "movabs": opMov, "movslq": opMovsxd, "movsxd": opMovsxd,
	"lea": opLea, "add": opAdd, "sub": opSub, "and": opAnd, "or": opOr,
	"xor": opXor, "cmp": opCmp, "test": opTest, "inc": opInc, "dec": opDec,
	"neg": opNeg, "imul": opImul, "shl": opShl, "sal": opShl, "shr": opShr,
	"sar": opSar, "push": opPush, "pop": opPop, "ret": opRet, "int3": opInt3,
	"prefetcht0": opPrefetch, "prefetcht1": opPrefetch, "prefetcht2": opPrefetch,
	"prefetchnta": opPrefetch, "prefetchw": opPrefetch,
}

// cond is the condition of a conditional jump.
type cond uint8

const (
	cE cond = iota
	cNE
	cL
	cLE
	cG
	cGE
	cB
	cBE
	cA
	cAE
	cS
	cNS
)

// conds maps jcc mnemonics (objdump's and their aliases) to conditions.
var conds = map[string]cond{
	"je": cE, "jz": cE, "jne": cNE, "jnz": cNE,
	"jl": cL, "jnge": cL, "jle": cLE, "jng": cLE,
	"jg": cG, "jnle": cG, "jge": cGE, "jnl": cGE,
	"jb": cB, "jc": cB, "jnae": cB, "jbe": cBE, "jna": cBE,
	"ja": cA, "jnbe": cA, "jae": cAE, "jnb": cAE, "jnc": cAE,
	"js": cS, "jns": cNS,
}

// cpu is the state of one emulated call.
type cpu struct {
	r              [16]uint64   // rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8..r15
	v              [32][64]byte // zmm0..zmm31, little-endian
	k              [8]uint64    // k0..k7
	zf, sf, cf, of bool
	mem            memory
}

// errForm is returned for an operand combination the emulator does not
// implement.
var errForm = errors.New("unsupported operand form")

// Call runs f with the argument frame args, placed at 8(SP) above a
// return-address slot on a 64 KiB emulated stack that Call allocates,
// until its outermost RET, with memory limited to mem plus that stack.
// Every other register, vector register and mask starts at zero. Results
// that the code writes into its frame (and any argument slot it changes)
// are copied back into args.
//
// Call returns an error naming the instruction (its address, its offset in
// the function and objdump's text) for an access outside every region or
// straddling two, an unsupported instruction or operand form, an executed
// int3, a misaligned vmovaps or vmovapd operand, a jump to an address
// that is not an instruction of the function, a RET with the stack
// pointer not back where it started, or more than maxSteps instructions.
//
// The instructions implemented, in objdump's AT&T spelling:
//
//   - General purpose, on 32- and 64-bit registers (a 32-bit write zeroes
//     the upper half) and memory operands disp(base,index,scale):
//     mov, movabs, movslq, lea, add, sub, and, or, xor, cmp, test, inc, dec,
//     neg, imul (two and three operands), shl, shr, sar (by an immediate, by
//     %cl or by 1), push, pop; jmp and je, jne, jl, jle, jg, jge, jb, jbe,
//     ja, jae, js, jns to addresses in the function; ret. The flags ZF, SF,
//     CF and OF are kept.
//   - Vector, on xmm, ymm and zmm 0–31 (a VEX or EVEX write to an xmm or
//     ymm zeroes the rest of the zmm) and k0–k7: vmovups, vmovaps, vmovupd,
//     vmovapd; vmovss, vmovsd; vbroadcastss, vbroadcastsd (from memory or an
//     xmm); vxorps, vxorpd, vpxor, vpxord, vpxorq; vaddps, vsubps, vmulps,
//     vdivps, vmaxps, vminps and their pd, ss and sd forms; vfmadd132,
//     vfmadd213 and vfmadd231 in ps, pd, ss and sd; with register or memory
//     sources, embedded broadcast {1toN}, and write masks {%kN} (merging) or
//     {%kN}{z} (zeroing). A masked-off lane's memory is not accessed, as
//     hardware suppresses its faults. kmovb, kmovw, kmovd, kmovq between
//     mask registers, general registers and memory; vzeroupper, vzeroall.
//   - prefetcht0, prefetcht1, prefetcht2, prefetchnta and prefetchw do
//     nothing and check no bounds (a prefetch never faults); nop padding
//     does nothing.
func (f *Func) Call(args []byte, maxSteps int, mem ...Region) error {
	// The stack region ends with the frame: an access above it is an
	// error. The return-address slot is at 8 mod 16, as after a CALL from
	// an aligned frame.
	const stackSize = 64 << 10
	stack := make([]byte, stackSize+16+8+len(args))
	escape(stack)
	base := addrOf(stack)
	off := stackSize + int((24-base%16)%16)
	sp := base + uint64(off)
	stack = stack[:off+8+len(args)]
	copy(stack[off+8:], args)
	c := &cpu{}
	c.mem.regions = append(append(make([]Region, 0, len(mem)+1), mem...), Region{Addr: base, Data: stack})
	c.r[4] = sp

	pc := 0
	for steps := 0; ; steps++ {
		in := &f.insts[pc]
		if steps >= maxSteps {
			return f.errorf(in, "more than %d steps", maxSteps)
		}
		next := pc + 1
		var err error
		switch in.op {
		case opRet:
			if len(in.args) != 0 {
				err = errForm
			} else if c.r[4] != sp {
				err = fmt.Errorf("ret with the stack pointer at %#x, not %#x", c.r[4], sp)
			} else {
				copy(args, stack[off+8:])
				return nil
			}
		case opJmp, opJcc:
			if in.op == opJmp || c.cond(in.cond) {
				if in.tidx < 0 {
					err = fmt.Errorf("jump to %#x, outside the function", in.target)
				}
				next = in.tidx
			}
		default:
			err = c.exec(in)
		}
		if err != nil {
			return f.errorf(in, "%w", err)
		}
		if next >= len(f.insts) {
			return f.errorf(in, "ran past the end of the function")
		}
		pc = next
	}
}

// errorf returns an error about the instruction in.
func (f *Func) errorf(in *inst, format string, args ...any) error {
	return fmt.Errorf("x86emu: %s+%#x (%#x) %q: %w", f.Name, in.addr-f.Addr, in.addr, in.text, fmt.Errorf(format, args...))
}

// cond reports whether the condition holds.
func (c *cpu) cond(cc cond) bool {
	switch cc {
	case cE:
		return c.zf
	case cNE:
		return !c.zf
	case cL:
		return c.sf != c.of
	case cLE:
		return c.zf || c.sf != c.of
	case cG:
		return !c.zf && c.sf == c.of
	case cGE:
		return c.sf == c.of
	case cB:
		return c.cf
	case cBE:
		return c.cf || c.zf
	case cA:
		return !c.cf && !c.zf
	case cAE:
		return !c.cf
	case cS:
		return c.sf
	default: // cNS
		return !c.sf
	}
}

// exec runs an instruction other than a jump or ret.
func (c *cpu) exec(in *inst) error {
	switch in.op {
	case opBad:
		return errors.New(in.bad)
	case opNop, opPrefetch:
		return nil
	case opInt3:
		return errors.New("int3 executed")
	case opMov, opMovsxd, opLea, opAdd, opSub, opAnd, opOr, opXor, opCmp, opTest,
		opInc, opDec, opNeg, opImul, opShl, opShr, opSar, opPush, opPop:
		return c.execGP(in)
	default:
		return c.execVec(in)
	}
}

// sizeMask is the mask of an operand of size bytes.
func sizeMask(size int) uint64 {
	return ^uint64(0) >> (64 - 8*size)
}

// ea is the effective address of the memory operand o.
func (c *cpu) ea(in *inst, o *operand) uint64 {
	a := uint64(o.disp)
	switch o.base {
	case noReg:
	case ripReg:
		a += in.next
	default:
		a += c.r[o.base]
	}
	if o.index != noReg {
		a += c.r[o.index] * uint64(o.scale)
	}
	return a
}

// gpSize is the operand size of a general-purpose instruction: that of its
// register operands (which must agree and be 4 or 8 bytes) or its suffix.
func gpSize(in *inst, args ...operand) (int, error) {
	size := in.suffix
	for _, o := range args {
		switch o.kind {
		case kGP:
			if size != 0 && o.size != size {
				return 0, errForm
			}
			size = o.size
		case kImm, kMem:
		default:
			return 0, errForm
		}
	}
	if size != 4 && size != 8 {
		return 0, errForm
	}
	return size, nil
}

// read returns the value of a general-purpose, immediate or memory operand.
func (c *cpu) read(in *inst, o *operand, size int) (uint64, error) {
	switch o.kind {
	case kGP:
		return c.r[o.reg] & sizeMask(size), nil
	case kImm:
		return uint64(o.disp) & sizeMask(size), nil
	case kMem:
		return c.mem.readUint(c.ea(in, o), size)
	}
	return 0, errForm
}

// write stores v in a general-purpose or memory operand; a 4-byte register
// write zeroes the upper half.
func (c *cpu) write(in *inst, o *operand, size int, v uint64) error {
	switch o.kind {
	case kGP:
		c.r[o.reg] = v & sizeMask(size)
		return nil
	case kMem:
		return c.mem.writeUint(c.ea(in, o), size, v)
	}
	return errForm
}

// setZS sets ZF and SF from a result.
func (c *cpu) setZS(v uint64, size int) {
	v &= sizeMask(size)
	c.zf = v == 0
	c.sf = v>>(8*size-1) != 0
}

// signBit reports the sign bit of a size-byte value.
func signBit(v uint64, size int) bool { return v>>(8*size-1)&1 != 0 }

// execGP runs a general-purpose integer instruction.
func (c *cpu) execGP(in *inst) error {
	a := in.args
	switch in.op {
	case opMov, opAdd, opSub, opAnd, opOr, opXor, opCmp, opTest:
		if len(a) != 2 || a[1].kind == kImm || (a[0].kind == kMem && a[1].kind == kMem) {
			return errForm
		}
		size, err := gpSize(in, a...)
		if err != nil {
			return err
		}
		src, err := c.read(in, &a[0], size)
		if err != nil {
			return err
		}
		if in.op == opMov {
			return c.write(in, &a[1], size, src)
		}
		dst, err := c.read(in, &a[1], size)
		if err != nil {
			return err
		}
		var r uint64
		switch in.op {
		case opAdd:
			r = (dst + src) & sizeMask(size)
			c.cf = r < dst
			c.of = signBit(dst, size) == signBit(src, size) && signBit(r, size) != signBit(dst, size)
		case opSub, opCmp:
			r = (dst - src) & sizeMask(size)
			c.cf = dst < src
			c.of = signBit(dst, size) != signBit(src, size) && signBit(r, size) != signBit(dst, size)
		case opAnd, opTest:
			r, c.cf, c.of = dst&src, false, false
		case opOr:
			r, c.cf, c.of = dst|src, false, false
		case opXor:
			r, c.cf, c.of = dst^src, false, false
		}
		c.setZS(r, size)
		if in.op == opCmp || in.op == opTest {
			return nil
		}
		return c.write(in, &a[1], size, r)

	case opMovsxd:
		if len(a) != 2 || a[0].kind == kImm || a[0].kind == kGP && a[0].size != 4 || a[1].kind != kGP || a[1].size != 8 {
			return errForm
		}
		v, err := c.read(in, &a[0], 4)
		if err != nil {
			return err
		}
		c.r[a[1].reg] = uint64(int64(int32(v)))
		return nil

	case opLea:
		if len(a) != 2 || a[0].kind != kMem || a[1].kind != kGP {
			return errForm
		}
		size, err := gpSize(in, a[1])
		if err != nil {
			return err
		}
		return c.write(in, &a[1], size, c.ea(in, &a[0]))

	case opInc, opDec, opNeg:
		if len(a) != 1 || a[0].kind == kImm {
			return errForm
		}
		size, err := gpSize(in, a...)
		if err != nil {
			return err
		}
		v, err := c.read(in, &a[0], size)
		if err != nil {
			return err
		}
		var r uint64
		min := uint64(1) << (8*size - 1)
		switch in.op {
		case opInc:
			r = (v + 1) & sizeMask(size)
			c.of = v == min-1
		case opDec:
			r = (v - 1) & sizeMask(size)
			c.of = v == min
		case opNeg:
			r = -v & sizeMask(size)
			c.cf, c.of = v != 0, v == min
		}
		c.setZS(r, size)
		return c.write(in, &a[0], size, r)

	case opImul:
		// imul src, dst (dst *= src) or imul $imm, src, dst.
		if len(a) < 2 || len(a) > 3 || a[len(a)-1].kind != kGP || len(a) == 3 && a[0].kind != kImm {
			return errForm
		}
		size, err := gpSize(in, a...)
		if err != nil {
			return err
		}
		x, err := c.read(in, &a[0], size)
		if err != nil {
			return err
		}
		y, err := c.read(in, &a[1], size) // src of three, dst of two operands
		if err != nil {
			return err
		}
		var r uint64
		if size == 8 {
			hi, lo := bits.Mul64(x, y)
			if int64(x) < 0 {
				hi -= y
			}
			if int64(y) < 0 {
				hi -= x
			}
			r, c.of = lo, hi != uint64(int64(lo)>>63)
		} else {
			p := int64(int32(x)) * int64(int32(y))
			r, c.of = uint64(p), int64(int32(p)) != p
		}
		c.cf = c.of
		c.setZS(r, size) // undefined on hardware
		return c.write(in, &a[len(a)-1], size, r)

	case opShl, opShr, opSar:
		// shl $n, dst; shl %cl, dst; shl dst (by 1).
		if len(a) == 0 || len(a) > 2 {
			return errForm
		}
		var n uint64 = 1
		dst := &a[len(a)-1]
		switch {
		case len(a) == 2 && a[0].kind == kImm:
			n = uint64(a[0].disp)
		case len(a) == 2 && a[0].kind == kGP && a[0].reg == 1 && a[0].size == 1:
			n = c.r[1] & 0xff
		case len(a) == 2:
			return errForm
		}
		size, err := gpSize(in, *dst)
		if err != nil {
			return err
		}
		v, err := c.read(in, dst, size)
		if err != nil {
			return err
		}
		n &= uint64(8*size - 1)
		if n == 0 {
			return c.write(in, dst, size, v) // flags unchanged
		}
		w := uint64(8 * size)
		var r uint64
		switch in.op {
		case opShl:
			r = v << n & sizeMask(size)
			c.cf = v>>(w-n)&1 != 0
			c.of = signBit(r, size) != c.cf
		case opShr:
			r = v >> n
			c.cf = v>>(n-1)&1 != 0
			c.of = signBit(v, size)
		case opSar:
			s := int64(v<<(64-w)) >> (64 - w) // sign-extended
			r = uint64(s>>n) & sizeMask(size)
			c.cf = s>>(n-1)&1 != 0
			c.of = false
		}
		c.setZS(r, size)
		return c.write(in, dst, size, r)

	case opPush:
		if len(a) != 1 || a[0].kind == kGP && a[0].size != 8 || a[0].kind != kGP && in.suffix != 8 {
			return errForm
		}
		v, err := c.read(in, &a[0], 8)
		if err != nil {
			return err
		}
		if err := c.mem.writeUint(c.r[4]-8, 8, v); err != nil {
			return err
		}
		c.r[4] -= 8
		return nil

	case opPop:
		if len(a) != 1 || a[0].kind != kGP || a[0].size != 8 {
			return errForm
		}
		v, err := c.mem.readUint(c.r[4], 8)
		if err != nil {
			return err
		}
		c.r[4] += 8
		c.r[a[0].reg] = v
		return nil
	}
	return errForm
}
