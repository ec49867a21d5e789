package x86emu

import (
	"fmt"
	"strconv"
	"strings"
)

// opKind says what an operand is.
type opKind uint8

const (
	kGP   opKind = iota + 1 // general-purpose register (size 1, 2, 4 or 8)
	kVec                    // xmm, ymm or zmm register (size 16, 32 or 64)
	kMask                   // k0..k7
	kMem                    // memory operand
	kImm                    // immediate
)

// noReg marks an absent base or index register; ripReg a %rip base.
const (
	noReg  = -1
	ripReg = -2
)

// operand is one parsed AT&T operand.
type operand struct {
	kind  opKind
	reg   int   // register number (kGP, kVec, kMask)
	size  int   // register width in bytes (kGP, kVec)
	base  int   // kMem: base register, noReg or ripReg
	index int   // kMem: index register or noReg
	scale int   // kMem: 1, 2, 4 or 8
	disp  int64 // kMem: displacement; kImm: the value
}

// inst is one decoded instruction.
type inst struct {
	addr uint64 // its address
	next uint64 // the address of the instruction after it
	text string // objdump's text, for errors

	op     op         // what it does; opBad when it cannot be run
	bad    string     // why it cannot be run (op == opBad)
	suffix int        // operand size from an l/q suffix, or 0
	cond   cond       // condition of a jcc
	target uint64     // jump target address
	tidx   int        // index of the jump target in Func.insts, or -1
	args   []operand  // operands in AT&T order (sources first)
	mask   int        // write mask register {%kN}, 0 for none
	zero   bool       // {z}: zeroing rather than merging masking
	bcst   int        // N of an embedded broadcast {1toN}, 0 for none
	rip    uint64     // the address of a %rip operand from objdump's comment, or 0
	vec    *vecOpInfo // vector instructions: element size and lane function
}

// gpRegs maps general-purpose register names to number and width.
var gpRegs = map[string][2]int{}

func init() {
	names64 := []string{"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi"}
	names32 := []string{"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"}
	names16 := []string{"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"}
	names8 := []string{"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil"}
	for i := 0; i < 8; i++ {
		gpRegs[names64[i]] = [2]int{i, 8}
		gpRegs[names32[i]] = [2]int{i, 4}
		gpRegs[names16[i]] = [2]int{i, 2}
		gpRegs[names8[i]] = [2]int{i, 1}
	}
	for i := 8; i < 16; i++ {
		r := "r" + strconv.Itoa(i)
		gpRegs[r] = [2]int{i, 8}
		gpRegs[r+"d"] = [2]int{i, 4}
		gpRegs[r+"w"] = [2]int{i, 2}
		gpRegs[r+"b"] = [2]int{i, 1}
	}
}

// parseReg parses a register name without its %.
func parseReg(s string) (operand, error) {
	if r, ok := gpRegs[s]; ok {
		return operand{kind: kGP, reg: r[0], size: r[1]}, nil
	}
	for _, v := range [...]struct {
		prefix string
		kind   opKind
		size   int
		n      int
	}{{"xmm", kVec, 16, 32}, {"ymm", kVec, 32, 32}, {"zmm", kVec, 64, 32}, {"k", kMask, 8, 8}} {
		if rest, ok := strings.CutPrefix(s, v.prefix); ok {
			n, err := strconv.Atoi(rest)
			if err == nil && n >= 0 && n < v.n && strconv.Itoa(n) == rest {
				return operand{kind: v.kind, reg: n, size: v.size}, nil
			}
		}
	}
	return operand{}, fmt.Errorf("unsupported register %%%s", s)
}

// parseInt parses objdump's signed hexadecimal (or decimal) numbers.
func parseInt(s string) (int64, error) {
	neg := false
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		neg, s = true, rest
	}
	var u uint64
	var err error
	if rest, ok := strings.CutPrefix(s, "0x"); ok {
		u, err = strconv.ParseUint(rest, 16, 64)
	} else {
		u, err = strconv.ParseUint(s, 10, 64)
	}
	if err != nil {
		return 0, fmt.Errorf("bad number %q", s)
	}
	if neg {
		return -int64(u), nil
	}
	return int64(u), nil
}

// splitOperands splits an operand list at the commas outside parentheses.
func splitOperands(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// parseOperands parses the operand list of in, setting in.args and the
// masking and broadcast decorations.
func parseOperands(in *inst, s string) error {
	if s == "" {
		return nil
	}
	parts := splitOperands(s)
	for i, p := range parts {
		// Decorations: {%kN} on the destination, {z}, {1toN} on a memory
		// source.
		body, decos, _ := strings.Cut(p, "{")
		o, err := parseOperand(body)
		if err != nil {
			return err
		}
		if decos != "" {
			for _, d := range strings.Split(decos, "{") {
				d, ok := strings.CutSuffix(d, "}")
				switch {
				case !ok:
					return fmt.Errorf("bad decoration in %q", p)
				case d == "z":
					in.zero = true
				case strings.HasPrefix(d, "%k") && i == len(parts)-1:
					r, err := parseReg(d[1:])
					if err != nil || r.kind != kMask || r.reg == 0 {
						return fmt.Errorf("bad write mask %q", d)
					}
					in.mask = r.reg
				case strings.HasPrefix(d, "1to") && o.kind == kMem:
					n, err := strconv.Atoi(d[3:])
					if err != nil || n < 2 {
						return fmt.Errorf("bad broadcast %q", d)
					}
					in.bcst = n
				default:
					return fmt.Errorf("unsupported decoration {%s}", d)
				}
			}
		}
		if o.kind == kMem && o.base == ripReg && in.rip != 0 {
			// objdump's comment has the absolute address.
			o.base, o.disp = noReg, int64(in.rip)
		}
		in.args = append(in.args, o)
	}
	if in.zero && in.mask == 0 {
		return fmt.Errorf("{z} without a write mask")
	}
	return nil
}

// parseOperand parses one operand without decorations.
func parseOperand(s string) (operand, error) {
	switch {
	case s == "":
		return operand{}, fmt.Errorf("empty operand")
	case s[0] == '$':
		v, err := parseInt(s[1:])
		return operand{kind: kImm, disp: v}, err
	case s[0] == '%':
		if strings.Contains(s, ":") {
			return operand{}, fmt.Errorf("unsupported segment operand %q", s)
		}
		return parseReg(s[1:])
	case s[0] == '*':
		return operand{}, fmt.Errorf("unsupported indirect operand %q", s)
	}
	o := operand{kind: kMem, base: noReg, index: noReg, scale: 1}
	disp, rest, hasParen := strings.Cut(s, "(")
	if disp != "" {
		v, err := parseInt(disp)
		if err != nil {
			return o, err
		}
		o.disp = v
	}
	if !hasParen {
		return o, nil
	}
	rest, ok := strings.CutSuffix(rest, ")")
	if !ok {
		return o, fmt.Errorf("bad memory operand %q", s)
	}
	f := strings.Split(rest, ",")
	if len(f) > 3 || (len(f) == 2) {
		return o, fmt.Errorf("bad memory operand %q", s)
	}
	reg64 := func(name string) (int, error) {
		if name == "%rip" {
			return ripReg, nil
		}
		r, err := parseReg(strings.TrimPrefix(name, "%"))
		if err != nil || r.kind != kGP || r.size != 8 || !strings.HasPrefix(name, "%") {
			return 0, fmt.Errorf("unsupported address register %q in %q", name, s)
		}
		return r.reg, nil
	}
	if f[0] != "" {
		r, err := reg64(f[0])
		if err != nil {
			return o, err
		}
		o.base = r
	}
	if len(f) == 3 {
		r, err := reg64(f[1])
		if err != nil || r == ripReg {
			return o, fmt.Errorf("unsupported index in %q", s)
		}
		o.index = r
		switch f[2] {
		case "1", "2", "4", "8":
			o.scale = int(f[2][0] - '0')
		default:
			return o, fmt.Errorf("bad scale in %q", s)
		}
	}
	if o.base == ripReg && o.index != noReg {
		return o, fmt.Errorf("bad memory operand %q", s)
	}
	return o, nil
}
