package tensorfmt

import "strings"

// printer lays out the elements of one tensor in nested brackets.
type printer struct {
	t         *Tensor
	o         Options
	strides   []int // row-major strides of t.Shape
	summarize bool
	f         *formatter
}

func newPrinter(t *Tensor, o Options) *printer {
	p := &printer{t: t, o: o, strides: make([]int, len(t.Shape))}
	s := 1
	for d := len(t.Shape) - 1; d >= 0; d-- {
		p.strides[d] = s
		s *= t.Shape[d]
	}
	p.summarize = t.numel() > o.Threshold
	p.f = newFormatter(t, p.shown(0, 0, nil), o)
	return p
}

// elided reports whether dimension d is cut to its edge items.
func (p *printer) elided(d int) bool {
	return p.summarize && p.t.Shape[d] > 2*p.o.EdgeItems
}

// rows returns the indices along dimension d that are printed, and where
// the "..." goes (-1 for nowhere): the slot before that position.
func (p *printer) rows(d int) (rows []int, gap int) {
	n := p.t.Shape[d]
	if !p.elided(d) {
		rows = make([]int, n)
		for i := range rows {
			rows[i] = i
		}
		return rows, -1
	}
	e := p.o.EdgeItems
	for i := range e {
		rows = append(rows, i)
	}
	for i := n - e; i < n; i++ {
		rows = append(rows, i)
	}
	return rows, e
}

// shown appends the flat indices of every printed element below dimension d
// at flat offset base (PyTorch's get_summarized_data).
func (p *printer) shown(d, base int, idx []int) []int {
	if d == len(p.t.Shape) {
		return append(idx, base)
	}
	rows, _ := p.rows(d)
	for _, r := range rows {
		idx = p.shown(d+1, base+r*p.strides[d], idx)
	}
	return idx
}

// str writes the sub-tensor from dimension d at flat offset base, whose
// opening bracket is preceded by indent characters on its line.
func (p *printer) str(d, base, indent int) string {
	left := len(p.t.Shape) - d
	switch left {
	case 0:
		return p.f.format(p.t, base)
	case 1:
		return p.vector(d, base, indent)
	}
	rows, gap := p.rows(d)
	parts := make([]string, 0, len(rows)+1)
	for k, r := range rows {
		if k == gap {
			parts = append(parts, "...")
		}
		parts = append(parts, p.str(d+1, base+r*p.strides[d], indent+1))
	}
	sep := "," + strings.Repeat("\n", left-1) + strings.Repeat(" ", indent+1)
	return "[" + strings.Join(parts, sep) + "]"
}

// vector writes the last dimension, wrapping lines at the line width.
func (p *printer) vector(d, base, indent int) string {
	rows, gap := p.rows(d)
	items := make([]string, 0, len(rows)+1)
	for k, r := range rows {
		if k == gap {
			items = append(items, " ...")
		}
		items = append(items, p.f.format(p.t, base+r))
	}
	perLine := max(1, (p.o.LineWidth-indent)/(p.f.width+2))
	var lines []string
	for len(items) > 0 {
		n := min(perLine, len(items))
		lines = append(lines, strings.Join(items[:n], ", "))
		items = items[n:]
	}
	return "[" + strings.Join(lines, ",\n"+strings.Repeat(" ", indent+1)) + "]"
}
