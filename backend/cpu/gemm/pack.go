package gemm

import "unsafe"

// Packing copies a block of A or B into the order the micro-kernel reads it:
// micro-panels of w lines (rows of A, columns of B), each stored k step by k
// step with the w values of one step adjacent. Lines past the edge of the
// matrix are filled with zeros, so the kernel always runs on full tiles.

// packA packs the mc×kc block of A starting at a[0] (element (i,p) at
// a[i*rsa+p*csa]) into mr-row micro-panels.
func packA[T float](dst, a []T, rsa, csa, mc, kc, mr int) {
	for i0 := 0; i0 < mc; i0 += mr {
		packPanel(dst[i0*kc:(i0+mr)*kc], a[i0*rsa:], rsa, csa, min(mr, mc-i0), mr, kc)
	}
}

// packBPanels packs micro-panels [lo, hi) of a kc×nc block of B.
func packBPanels[T float](dst, b []T, rsb, csb, kc, nc, nr, lo, hi int) {
	if csb == 1 {
		packBRows(dst, b, rsb, kc, nc, nr, lo, hi)
		return
	}
	for jp := lo; jp < hi; jp++ {
		j0 := jp * nr
		packPanel(dst[j0*kc:(j0+nr)*kc], b[j0*csb:], csb, rsb, min(nr, nc-j0), nr, kc)
	}
}

// packBRows packs micro-panels [lo, hi) of a kc×nc block of a B whose rows
// are contiguous, row by row: each row of B is read once, front to back,
// which the hardware prefetcher follows, where walking a panel down the rows
// would touch a new page at every step.
func packBRows[T float](dst, b []T, rsb, kc, nc, nr, lo, hi int) {
	full := min(hi, nc/nr) // panels [lo, full) are nr wide
	line := nr*int(unsafe.Sizeof(T(0))) == cacheLine
	if d32, ok := any(dst).([]float32); ok && nr == 16 && packRows16Fast(d32, any(b).([]float32), rsb, kc, lo, full) {
		lo = full // the full panels are done; the partial one below
	}
	for p := 0; p < kc; p++ {
		row := b[p*rsb : p*rsb+nc]
		for jp := lo; jp < full; jp++ {
			d, s := dst[jp*nr*kc+p*nr:jp*nr*kc+p*nr+nr], row[jp*nr:jp*nr+nr]
			if line {
				copyLine(unsafe.Pointer(&d[0]), unsafe.Pointer(&s[0]))
				continue
			}
			copy(d, s)
		}
		if full < hi { // the partial last panel, zero-padded
			d := dst[full*nr*kc+p*nr : full*nr*kc+p*nr+nr]
			w := copy(d, row[full*nr:])
			clear(d[w:])
		}
	}
}

// packPanel writes dst[p*wmax+r] = src[r*ls+p*ps] for r < w and p < kc, and
// zero for w <= r < wmax.
func packPanel[T float](dst, src []T, ls, ps, w, wmax, kc int) {
	dst = dst[:kc*wmax]
	switch {
	case ls == 1 && w == 6 && wmax == 6:
		// Each k step is six adjacent values (an A panel of a transposed
		// operand): moved inline, a copy call would cost more.
		for p := 0; p < kc; p++ {
			d, s := dst[p*6:p*6+6:p*6+6], src[p*ps:p*ps+6:p*ps+6]
			d[0], d[1], d[2], d[3], d[4], d[5] = s[0], s[1], s[2], s[3], s[4], s[5]
		}
		return
	case ls == 1 && w == wmax && wmax*int(unsafe.Sizeof(T(0))) == cacheLine:
		for p := 0; p < kc; p++ {
			copyLine(unsafe.Pointer(&dst[p*wmax : p*wmax+wmax][0]), unsafe.Pointer(&src[p*ps : p*ps+wmax][0]))
		}
		return
	case ls == 1 && w == wmax:
		// Each k step is wmax adjacent values: a straight copy per step.
		for p := 0; p < kc; p++ {
			copy(dst[p*wmax:p*wmax+wmax], src[p*ps:p*ps+wmax])
		}
		return
	case ps == 1 && w == 6 && wmax == 6:
		packLines6(dst, src, ls, kc)
		return
	case ps == 1 && w == 14 && wmax == 14:
		packLines14(dst, src, ls, kc)
		return
	case ps == 1 && w == 16 && wmax == 16:
		packLines16(dst, src, ls, kc)
		return
	case ps == 1 && w == 8 && wmax == 8:
		packLines8(dst, src, ls, kc)
		return
	case ps == 1:
		// Each line is contiguous: read it straight, write strided.
		for r := 0; r < w; r++ {
			line := src[r*ls : r*ls+kc]
			for p, v := range line {
				dst[p*wmax+r] = v
			}
		}
	default:
		for p := 0; p < kc; p++ {
			d := dst[p*wmax : p*wmax+w]
			s := src[p*ps:]
			for r := range d {
				d[r] = s[r*ls]
			}
		}
	}
	if w < wmax {
		for p := 0; p < kc; p++ {
			clear(dst[p*wmax+w : p*wmax+wmax])
		}
	}
}

// packLines6 interleaves six contiguous lines of length kc, ls apart: the
// common case of a row-major A block (in assembly where the CPU has AVX2,
// eight float32 or four float64 k steps at a time).
func packLines6[T float](dst, src []T, ls, kc int) {
	p0 := 0
	switch d := any(dst).(type) {
	case []float32:
		p0 = packLines6Fast(d, any(src).([]float32), ls, kc)
	case []float64:
		p0 = packLines6FastD(d, any(src).([]float64), ls, kc)
	}
	if p0 == kc {
		return
	}
	l0 := src[0*ls : 0*ls+kc]
	l1 := src[1*ls : 1*ls+kc]
	l2 := src[2*ls : 2*ls+kc]
	l3 := src[3*ls : 3*ls+kc]
	l4 := src[4*ls : 4*ls+kc]
	l5 := src[5*ls : 5*ls+kc]
	l1, l2, l3, l4, l5 = l1[:len(l0)], l2[:len(l0)], l3[:len(l0)], l4[:len(l0)], l5[:len(l0)]
	for p := p0; p < len(l0); p++ {
		d := dst[p*6 : p*6+6 : p*6+6]
		d[0] = l0[p]
		d[1] = l1[p]
		d[2] = l2[p]
		d[3] = l3[p]
		d[4] = l4[p]
		d[5] = l5[p]
	}
}

// packLines16 interleaves sixteen contiguous lines of length kc, ls apart:
// a float32 B panel of a transposed operand (a Linear layer's weight in
// x·Wᵀ). Each k step reads one value of every line and writes one cache
// line, instead of walking the destination with a stride per line.
func packLines16[T float](dst, src []T, ls, kc int) {
	p0 := 0
	if d32, ok := any(dst).([]float32); ok {
		p0 = packLines16Fast(d32, any(src).([]float32), ls, kc)
	}
	var l [16][]T
	for r := range l {
		l[r] = src[r*ls : r*ls+kc]
	}
	for p := p0; p < kc; p++ {
		d := dst[p*16 : p*16+16 : p*16+16]
		d[0], d[1], d[2], d[3] = l[0][p], l[1][p], l[2][p], l[3][p]
		d[4], d[5], d[6], d[7] = l[4][p], l[5][p], l[6][p], l[7][p]
		d[8], d[9], d[10], d[11] = l[8][p], l[9][p], l[10][p], l[11][p]
		d[12], d[13], d[14], d[15] = l[12][p], l[13][p], l[14][p], l[15][p]
	}
}

// packLines14 interleaves fourteen contiguous lines of length kc, ls
// apart: a row-major A block for the 14-row AVX-512 kernels (float32: eight
// k steps at a time in AVX2 assembly).
func packLines14[T float](dst, src []T, ls, kc int) {
	p0 := 0
	if d32, ok := any(dst).([]float32); ok {
		p0 = packLines14Fast(d32, any(src).([]float32), ls, kc)
	}
	dst = dst[:kc*14]
	for r := range 14 {
		// Line by line: each read in order, its values 14 apart.
		for p, v := range src[r*ls+p0 : r*ls+kc] {
			dst[(p0+p)*14+r] = v
		}
	}
}

// packLines8 is packLines16 for the eight lines of a float64 B panel.
func packLines8[T float](dst, src []T, ls, kc int) {
	l0, l1, l2, l3 := src[0*ls:0*ls+kc], src[1*ls:1*ls+kc], src[2*ls:2*ls+kc], src[3*ls:3*ls+kc]
	l4, l5, l6, l7 := src[4*ls:4*ls+kc], src[5*ls:5*ls+kc], src[6*ls:6*ls+kc], src[7*ls:7*ls+kc]
	l1, l2, l3, l4, l5, l6, l7 = l1[:len(l0)], l2[:len(l0)], l3[:len(l0)], l4[:len(l0)], l5[:len(l0)], l6[:len(l0)], l7[:len(l0)]
	for p := range l0 {
		d := dst[p*8 : p*8+8 : p*8+8]
		d[0], d[1], d[2], d[3] = l0[p], l1[p], l2[p], l3[p]
		d[4], d[5], d[6], d[7] = l4[p], l5[p], l6[p], l7[p]
	}
}

// useAsmPack switches the assembly packing routines (tests turn it off to
// check the Go loops they replace).
var useAsmPack = true

// copyLine copies one 64-byte cache line as eight word moves, inline: a
// block assignment would call memmove, which costs more than the copy.
func copyLine(dst, src unsafe.Pointer) {
	d, s := (*[8]uint64)(dst), (*[8]uint64)(src)
	d[0], d[1], d[2], d[3] = s[0], s[1], s[2], s[3]
	d[4], d[5], d[6], d[7] = s[4], s[5], s[6], s[7]
}
