package x86emu

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
)

// vecOpInfo describes a vector or mask instruction.
type vecOpInfo struct {
	es      int  // element size in bytes: 4 (ps, ss) or 8 (pd, sd)
	scalar  bool // ss, sd: lane 0 only
	aligned bool // vmovaps, vmovapd: memory must be vector-aligned
	fn      byte // opVarith: '+', '-', '*', '/', 'M' (max), 'm' (min), '^' (xor)
	form    int  // opVfma: 132, 213 or 231
	kbytes  int  // opKmov: 1, 2, 4 or 8
}

// vecOps maps vector and mask mnemonics to ops.
var vecOps = map[string]struct {
	op   op
	info vecOpInfo
}{}

func init() {
	add := func(name string, o op, info vecOpInfo) {
		vecOps[name] = struct {
			op   op
			info vecOpInfo
		}{o, info}
	}
	types := []struct {
		suffix string
		es     int
		scalar bool
	}{{"ps", 4, false}, {"pd", 8, false}, {"ss", 4, true}, {"sd", 8, true}}
	for _, t := range types {
		for _, a := range []struct {
			name string
			fn   byte
		}{{"add", '+'}, {"sub", '-'}, {"mul", '*'}, {"div", '/'}, {"max", 'M'}, {"min", 'm'}} {
			add("v"+a.name+t.suffix, opVarith, vecOpInfo{es: t.es, scalar: t.scalar, fn: a.fn})
		}
		for _, form := range []int{132, 213, 231} {
			add("vfmadd"+strconv.Itoa(form)+t.suffix, opVfma, vecOpInfo{es: t.es, scalar: t.scalar, form: form})
		}
	}
	for _, x := range []struct {
		name string
		es   int
	}{{"vxorps", 4}, {"vxorpd", 8}, {"vpxor", 4}, {"vpxord", 4}, {"vpxorq", 8}} {
		add(x.name, opVarith, vecOpInfo{es: x.es, fn: '^'})
	}
	add("vmovups", opVmov, vecOpInfo{es: 4})
	add("vmovaps", opVmov, vecOpInfo{es: 4, aligned: true})
	add("vmovupd", opVmov, vecOpInfo{es: 8})
	add("vmovapd", opVmov, vecOpInfo{es: 8, aligned: true})
	add("vmovss", opVmovScalar, vecOpInfo{es: 4, scalar: true})
	add("vmovsd", opVmovScalar, vecOpInfo{es: 8, scalar: true})
	add("vbroadcastss", opVbcast, vecOpInfo{es: 4})
	add("vbroadcastsd", opVbcast, vecOpInfo{es: 8})
	add("kmovb", opKmov, vecOpInfo{kbytes: 1})
	add("kmovw", opKmov, vecOpInfo{kbytes: 2})
	add("kmovd", opKmov, vecOpInfo{kbytes: 4})
	add("kmovq", opKmov, vecOpInfo{kbytes: 8})
	add("vzeroupper", opVzeroupper, vecOpInfo{})
	add("vzeroall", opVzeroall, vecOpInfo{})
}

// vec is a vector value: up to 64 bytes, little-endian lanes.
type vec [64]byte

// lanes is the mask of the first n lanes.
func lanes(n int) uint64 { return ^uint64(0) >> (64 - n) }

// live returns the lanes (of n) that in writes: all without a write mask,
// those set in the mask register with one.
func (c *cpu) live(in *inst, n int) uint64 {
	if in.mask == 0 {
		return lanes(n)
	}
	return c.k[in.mask] & lanes(n)
}

// src returns the vector source operand o, vl bytes of es-byte lanes: a
// register, vl bytes of memory, or with a {1toN} broadcast one element in
// every lane. Memory is read only for the lanes set in live (a masked-off
// lane's fault is suppressed on hardware); the others are zero.
func (c *cpu) src(in *inst, o *operand, vl, es int, live uint64) (vec, error) {
	var v vec
	n := vl / es
	switch o.kind {
	case kVec:
		if in.bcst != 0 || o.size < vl {
			return v, errForm
		}
		copy(v[:vl], c.v[o.reg][:vl])
		return v, nil
	case kMem:
		a := c.ea(in, o)
		if in.bcst != 0 {
			if in.bcst != n {
				return v, fmt.Errorf("{1to%d} broadcast on %d lanes", in.bcst, n)
			}
			if live == 0 {
				return v, nil
			}
			b, err := c.mem.read(a, es)
			if err != nil {
				return v, err
			}
			for i := 0; i < n; i++ {
				copy(v[i*es:], b)
			}
			return v, nil
		}
		if live == lanes(n) {
			b, err := c.mem.read(a, vl)
			copy(v[:], b)
			return v, err
		}
		for i := 0; i < n; i++ {
			if live>>i&1 != 0 {
				b, err := c.mem.read(a+uint64(i*es), es)
				if err != nil {
					return v, err
				}
				copy(v[i*es:], b)
			}
		}
		return v, nil
	}
	return v, errForm
}

// setVec writes res to vector register d as a vl-byte destination: the
// live lanes from res, the others kept (merging) or zeroed ({z}), the
// bytes above vl zeroed.
func (c *cpu) setVec(in *inst, d, vl, es int, res *vec, live uint64) {
	var out vec
	old := &c.v[d]
	for i := 0; i < vl/es; i++ {
		lo, hi := i*es, (i+1)*es
		if live>>i&1 != 0 {
			copy(out[lo:hi], res[lo:hi])
		} else if !in.zero {
			copy(out[lo:hi], old[lo:hi])
		}
	}
	c.v[d] = out
}

// store writes the live lanes of the vl-byte value v to memory at a.
func (c *cpu) store(a uint64, v *vec, vl, es int, live uint64) error {
	n := vl / es
	if live == lanes(n) {
		return c.mem.write(a, v[:vl])
	}
	for i := 0; i < n; i++ {
		if live>>i&1 != 0 {
			if err := c.mem.write(a+uint64(i*es), v[i*es:(i+1)*es]); err != nil {
				return err
			}
		}
	}
	return nil
}

// isVec reports whether o is a vector register of size bytes.
func isVec(o *operand, size int) bool { return o.kind == kVec && o.size == size }

// execVec runs a vector or mask instruction.
func (c *cpu) execVec(in *inst) error {
	a := in.args
	info := in.vec
	if info == nil {
		return errForm
	}
	es := info.es
	switch in.op {
	case opVzeroupper, opVzeroall:
		if len(a) != 0 {
			return errForm
		}
		for i := 0; i < 16; i++ {
			from := 16
			if in.op == opVzeroall {
				from = 0
			}
			clear(c.v[i][from:])
		}
		return nil

	case opVmov:
		if len(a) != 2 || in.bcst != 0 {
			return errForm
		}
		s, d := &a[0], &a[1]
		switch {
		case d.kind == kVec && (isVec(s, d.size) || s.kind == kMem):
			vl := d.size
			if s.kind == kMem && info.aligned && c.ea(in, s)%uint64(vl) != 0 {
				return fmt.Errorf("misaligned %d-byte operand at %#x", vl, c.ea(in, s))
			}
			live := c.live(in, vl/es)
			v, err := c.src(in, s, vl, es, live)
			if err != nil {
				return err
			}
			c.setVec(in, d.reg, vl, es, &v, live)
			return nil
		case d.kind == kMem && s.kind == kVec && !in.zero:
			vl, ea := s.size, c.ea(in, d)
			if info.aligned && ea%uint64(vl) != 0 {
				return fmt.Errorf("misaligned %d-byte operand at %#x", vl, ea)
			}
			v := c.v[s.reg]
			return c.store(ea, (*vec)(&v), vl, es, c.live(in, vl/es))
		}
		return errForm

	case opVmovScalar:
		if in.bcst != 0 {
			return errForm
		}
		live := c.live(in, 1)
		switch {
		case len(a) == 2 && a[0].kind == kMem && isVec(&a[1], 16):
			// Load: lane 0 from memory, the rest of the register zeroed.
			v, err := c.src(in, &a[0], es, es, live)
			if err != nil {
				return err
			}
			c.setVec(in, a[1].reg, 16, es, &v, live|^uint64(1))
			return nil
		case len(a) == 2 && isVec(&a[0], 16) && a[1].kind == kMem && !in.zero:
			v := vec(c.v[a[0].reg])
			return c.store(c.ea(in, &a[1]), &v, es, es, live)
		case len(a) == 3 && isVec(&a[0], 16) && isVec(&a[1], 16) && isVec(&a[2], 16):
			// Lane 0 from the first operand, the rest of the xmm from the second.
			v := vec(c.v[a[1].reg])
			copy(v[:es], c.v[a[0].reg][:es])
			c.setVec(in, a[2].reg, 16, es, &v, live|^uint64(1))
			return nil
		}
		return errForm

	case opVbcast:
		if len(a) != 2 || in.bcst != 0 || a[1].kind != kVec || es == 8 && a[1].size == 16 {
			return errForm
		}
		vl := a[1].size
		live := c.live(in, vl/es)
		var e vec
		switch {
		case a[0].kind == kMem:
			// One element, read unless every lane is masked off.
			var err error
			if e, err = c.src(in, &a[0], es, es, boolBit(live != 0)); err != nil {
				return err
			}
		case isVec(&a[0], 16):
			copy(e[:es], c.v[a[0].reg][:es])
		default:
			return errForm
		}
		var v vec
		for i := 0; i < vl/es; i++ {
			copy(v[i*es:], e[:es])
		}
		c.setVec(in, a[1].reg, vl, es, &v, live)
		return nil

	case opVarith, opVfma:
		// AT&T: src2 (register or memory), src1, dst.
		if len(a) != 3 || a[2].kind != kVec || !isVec(&a[1], a[2].size) {
			return errForm
		}
		vl, n := a[2].size, a[2].size/es
		if info.scalar {
			if vl != 16 || in.bcst != 0 {
				return errForm
			}
			n = 1
		}
		live := c.live(in, n)
		b, err := c.src(in, &a[0], n*es, es, live)
		if err != nil {
			return err
		}
		s1 := &c.v[a[1].reg]
		res := vec(c.v[a[1].reg]) // a scalar op's upper lanes come from src1...
		if in.op == opVfma {
			res = vec(c.v[a[2].reg]) // ... or from the destination for FMA
		}
		d := &c.v[a[2].reg]
		for i := 0; i < n; i++ {
			if live>>i&1 == 0 {
				continue
			}
			lo := i * es
			if es == 4 {
				x, y := le32(s1[lo:]), le32(b[lo:])
				var r uint32
				if in.op == opVfma {
					r = fma32(info.form, le32(d[lo:]), x, y)
				} else {
					r = arith32(info.fn, x, y)
				}
				binary.LittleEndian.PutUint32(res[lo:], r)
			} else {
				x, y := le64(s1[lo:]), le64(b[lo:])
				var r uint64
				if in.op == opVfma {
					r = fma64(info.form, le64(d[lo:]), x, y)
				} else {
					r = arith64(info.fn, x, y)
				}
				binary.LittleEndian.PutUint64(res[lo:], r)
			}
		}
		if info.scalar {
			live |= ^uint64(1)
		}
		c.setVec(in, a[2].reg, vl, es, &res, live)
		return nil

	case opKmov:
		if len(a) != 2 || in.mask != 0 || in.bcst != 0 {
			return errForm
		}
		w := info.kbytes
		m := sizeMask(w)
		s, d := &a[0], &a[1]
		gpOK := func(o *operand) bool { return o.kind == kGP && o.size == max(w, 4) }
		var v uint64
		switch {
		case s.kind == kMask:
			v = c.k[s.reg] & m
		case gpOK(s):
			v = c.r[s.reg] & m
		case s.kind == kMem && d.kind == kMask:
			var err error
			if v, err = c.mem.readUint(c.ea(in, s), w); err != nil {
				return err
			}
		default:
			return errForm
		}
		switch {
		case d.kind == kMask:
			c.k[d.reg] = v
		case gpOK(d) && s.kind == kMask:
			c.r[d.reg] = v
		case d.kind == kMem && s.kind == kMask:
			return c.mem.writeUint(c.ea(in, d), w, v)
		default:
			return errForm
		}
		return nil
	}
	return errors.New("unsupported instruction")
}

// boolBit is 1 for true.
func boolBit(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }
func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }
