package x86emu

import (
	"bufio"
	"bytes"
	"debug/elf"
	"debug/gosym"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// Func is a function loaded for emulation: its instructions as objdump
// decoded them. A Func is immutable; Call may run it from several
// goroutines at once.
type Func struct {
	// Name is the symbol that was disassembled, with its ".abi0" suffix
	// where it has one.
	Name string
	// Addr is the link-time address of its first instruction.
	Addr uint64

	insts []inst
	index map[uint64]int // instruction address -> index in insts
}

// Load disassembles the function sym (a Go symbol such as
// "github.com/emberdl/ember/backend/cpu/gemm.sgemmColumnAVX512") of the
// ELF file at path with
//
//	objdump -d --no-show-raw-insn --disassemble=SYMBOL path
//
// and parses it. The assembler's ".abi0" suffix is tried first (an
// assembly function that Go code takes as a value also has an unsuffixed
// ABI wrapper, which is not the assembly), then sym itself.
//
// A binary without a symbol table (go test and go run link with -s) still
// has Go's own function table, .gopclntab, which names both the assembly
// function and its wrapper sym: Load then finds the function's address
// range there, disassembles it with objdump's --start-address and
// --stop-address, and of two candidates takes the one the other calls.
//
// objdump (GNU binutils) must be on the PATH. Instructions the emulator
// does not implement are not an error here, only when Call reaches them.
func Load(path, sym string) (*Func, error) {
	objdump, err := exec.LookPath("objdump")
	if err != nil {
		return nil, fmt.Errorf("x86emu: objdump not found, install GNU binutils: %w", err)
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("x86emu: %w", err)
	}
	names := []string{sym}
	if !strings.HasSuffix(sym, ".abi0") {
		names = []string{sym + ".abi0", sym}
	}
	for _, name := range names {
		out, err := runObjdump(objdump, path, "--disassemble="+name)
		if err != nil {
			return nil, err
		}
		f, err := parseListing(out, name)
		if err != nil {
			return nil, fmt.Errorf("x86emu: %s in %s: %w", name, path, err)
		}
		if f != nil {
			return f, nil
		}
	}
	f, err := loadPclntab(objdump, path, strings.TrimSuffix(sym, ".abi0"))
	if err != nil {
		return nil, fmt.Errorf("x86emu: %s in %s: %w", sym, path, err)
	}
	return f, nil
}

// runObjdump runs objdump -d --no-show-raw-insn with the extra arguments.
func runObjdump(objdump, path string, args ...string) ([]byte, error) {
	args = append(append([]string{"-d", "--no-show-raw-insn"}, args...), path)
	cmd := exec.Command(objdump, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("x86emu: objdump %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// loadPclntab finds the functions named name in the Go function table of
// the ELF file and disassembles them by address range.
func loadPclntab(objdump, path, name string) (*Func, error) {
	ef, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer ef.Close()
	pcln, text := ef.Section(".gopclntab"), ef.Section(".text")
	if pcln == nil || text == nil {
		return nil, fmt.Errorf("no such symbol, and no Go function table")
	}
	data, err := pcln.Data()
	if err != nil {
		return nil, err
	}
	tab, err := gosym.NewTable(nil, gosym.NewLineTable(data, text.Addr))
	if err != nil {
		return nil, err
	}
	var cands []*Func
	for _, fn := range tab.Funcs {
		if fn.Name != name {
			continue
		}
		out, err := runObjdump(objdump, path, fmt.Sprintf("--start-address=%#x", fn.Entry), fmt.Sprintf("--stop-address=%#x", fn.End))
		if err != nil {
			return nil, err
		}
		f, err := parseListing(out, "")
		if err != nil {
			return nil, err
		}
		f.Name, f.Addr = name, fn.Entry
		f.insts[len(f.insts)-1].next = fn.End
		cands = append(cands, f)
	}
	if len(cands) == 0 {
		return nil, fmt.Errorf("no such function")
	}
	// The assembly, not an ABI wrapper that calls it.
	var picked []*Func
	for _, f := range cands {
		wrapper := false
		for _, g := range cands {
			wrapper = wrapper || g != f && f.calls(g.Addr)
		}
		if !wrapper {
			picked = append(picked, f)
		}
	}
	if len(picked) != 1 {
		return nil, fmt.Errorf("%d functions of that name", len(cands))
	}
	return picked[0], nil
}

// calls reports whether f has a call to addr.
func (f *Func) calls(addr uint64) bool {
	for _, in := range f.insts {
		if mn, rest, _ := strings.Cut(in.text, " "); mn == "call" {
			if t, err := parseAddr(strings.Fields(rest)[0]); err == nil && t == addr {
				return true
			}
		}
	}
	return false
}

// parseAddr parses a code address as objdump prints it, with or without
// 0x.
func parseAddr(s string) (uint64, error) {
	return strconv.ParseUint(strings.TrimPrefix(s, "0x"), 16, 64)
}

// parseListing parses objdump's listing of the function name, or with
// name "" every instruction in the listing; it returns nil, nil if the
// listing does not have the function.
func parseListing(out []byte, name string) (*Func, error) {
	var f *Func
	if name == "" {
		f = &Func{index: map[uint64]int{}}
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if f == nil {
			// The header: "000000000047a780 <name>:".
			if strings.HasSuffix(line, " <"+name+">:") {
				a, err := strconv.ParseUint(strings.Fields(line)[0], 16, 64)
				if err != nil {
					return nil, fmt.Errorf("bad header %q", line)
				}
				f = &Func{Name: name, Addr: a, index: map[uint64]int{}}
			}
			continue
		}
		if line == "" && len(f.insts) > 0 && name != "" {
			break // end of the function
		}
		addr, text, ok := strings.Cut(line, ":\t")
		if !ok {
			continue // a header, "..." for skipped zeros, or the like
		}
		a, err := strconv.ParseUint(strings.TrimSpace(addr), 16, 64)
		if err != nil {
			continue
		}
		if n := len(f.insts); n > 0 {
			f.insts[n-1].next = a
		}
		f.index[a] = len(f.insts)
		f.insts = append(f.insts, decode(a, strings.TrimSpace(text)))
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if f == nil {
		return nil, nil
	}
	if len(f.insts) == 0 {
		return nil, fmt.Errorf("no instructions")
	}
	for i := range f.insts {
		in := &f.insts[i]
		in.tidx = -1
		if in.op == opJmp || in.op == opJcc {
			if j, ok := f.index[in.target]; ok {
				in.tidx = j
			}
		}
	}
	return f, nil
}

// decode parses one instruction's text; an instruction it cannot parse or
// the emulator does not implement becomes opBad.
func decode(addr uint64, text string) inst {
	in := inst{addr: addr, text: text}
	if err := decodeInto(&in); err != nil {
		in.op, in.bad = opBad, err.Error()
		in.args = nil
	}
	return in
}

func decodeInto(in *inst) error {
	text := in.text
	if code, comment, ok := strings.Cut(text, "#"); ok {
		// objdump's comment on a %rip operand: "# 0x4a1b20" or
		// "# 4a1b20 <sym+0x10>".
		text = strings.TrimSpace(code)
		if f := strings.Fields(comment); len(f) > 0 {
			in.rip, _ = parseAddr(f[0])
		}
	}
	fields := strings.Fields(text)
	if len(fields) == 0 {
		return fmt.Errorf("empty instruction")
	}
	// Padding: nop, nopw 0x0(%rax,%rax,1), cs nopw ..., data16 ... nopw,
	// xchg %ax,%ax.
	for _, f := range fields {
		if strings.HasPrefix(f, "nop") {
			in.op = opNop
			return nil
		}
		if f != "data16" && f != "cs" && f != "ds" {
			break
		}
	}
	if len(fields) == 2 && fields[0] == "xchg" && fields[1] == "%ax,%ax" {
		in.op = opNop
		return nil
	}
	mn := fields[0]
	rest := strings.TrimSpace(text[len(mn):])

	if c, ok := conds[mn]; ok || mn == "jmp" {
		// "jne    47a7a8 <sym+0x28>"
		in.op, in.cond = opJcc, c
		if mn == "jmp" {
			in.op = opJmp
		}
		t := strings.Fields(rest)
		if len(t) == 0 || strings.HasPrefix(t[0], "*") {
			return fmt.Errorf("unsupported jump form")
		}
		a, err := parseAddr(t[0])
		if err != nil {
			return fmt.Errorf("bad jump target %q", t[0])
		}
		in.target = a
		return nil
	}
	if len(fields) > 2 {
		return fmt.Errorf("unsupported instruction (prefix or extra operands)")
	}
	if o, ok := gpOps[mn]; ok {
		in.op = o
	} else if v, ok := vecOps[mn]; ok {
		in.op, in.vec = v.op, &v.info
	} else if o, ok := gpOps[mn[:len(mn)-1]]; ok && strings.ContainsAny(mn[len(mn)-1:], "lq") && !strings.HasPrefix(mn, "j") {
		in.op = o
		in.suffix = 4
		if mn[len(mn)-1] == 'q' {
			in.suffix = 8
		}
	} else {
		return fmt.Errorf("unsupported instruction")
	}
	return parseOperands(in, rest)
}
