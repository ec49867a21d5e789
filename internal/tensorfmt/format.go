package tensorfmt

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

const prefix = "tensor("

// Format returns repr(t) as PyTorch 1.13 writes it with its default print
// options. It panics if the shape has a negative size or At is nil for a
// tensor with elements.
func Format(t Tensor) string { return DefaultOptions().Format(t) }

// Format returns repr(t) as PyTorch 1.13 writes it with the print options o.
func (o Options) Format(t Tensor) string {
	for _, d := range t.Shape {
		if d < 0 {
			panic(fmt.Sprintf("tensorfmt: negative size in shape %v", t.Shape))
		}
	}
	indent := len(prefix)
	var suffixes []string
	if t.Device != "" && t.Device != "cpu" {
		suffixes = append(suffixes, "device='"+t.Device+"'")
	}
	dtype := t.dtype()
	var body string
	if t.numel() == 0 {
		if len(t.Shape) != 1 {
			suffixes = append(suffixes, "size="+pyTuple(t.Shape))
		}
		if dtype != "float32" {
			suffixes = append(suffixes, "dtype=torch."+dtype)
		}
		body = "[]"
	} else {
		if t.At == nil && !(t.Kind == Int && t.AtInt != nil) {
			panic("tensorfmt: Tensor.At is nil")
		}
		if dtype != "float32" && dtype != "int64" && dtype != "bool" {
			suffixes = append(suffixes, "dtype=torch."+dtype)
		}
		body = newPrinter(&t, o).str(0, 0, indent)
	}
	if t.GradFn != "" {
		suffixes = append(suffixes, "grad_fn=<"+t.GradFn+">")
	} else if t.RequiresGrad {
		suffixes = append(suffixes, "requires_grad=True")
	}
	return addSuffixes(prefix+body, suffixes, indent, o.LineWidth)
}

// addSuffixes follows PyTorch's _add_suffixes, including its measure of the
// last line (two more than its length).
func addSuffixes(s string, suffixes []string, indent, lineWidth int) string {
	var b strings.Builder
	b.WriteString(s)
	last := utf8.RuneCountInString(s) + 2 // Python: len(s) - s.rfind("\n") + 1, rfind = -1
	if nl := strings.LastIndexByte(s, '\n'); nl >= 0 {
		last = utf8.RuneCountInString(s[nl:]) + 1
	}
	for _, suf := range suffixes {
		n := utf8.RuneCountInString(suf)
		if last+n+2 > lineWidth {
			b.WriteString(",\n" + strings.Repeat(" ", indent) + suf)
			last = indent + n
		} else {
			b.WriteString(", " + suf)
			last += n + 2
		}
	}
	b.WriteString(")")
	return b.String()
}

// pyTuple writes a shape as Python writes a tuple: (2, 3), (0,), ().
func pyTuple(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.Itoa(d)
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
