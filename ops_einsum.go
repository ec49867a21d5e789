package ember

import (
	"fmt"
	"slices"
	"strings"
)

// Einsum evaluates an Einstein-summation equation over the operands, like
// torch.einsum: "ij,jk->ik" is a matrix product, "bij,bjk->bik" a batched
// one, "ii->i" a diagonal, "ii" a trace, "i,j->ij" an outer product,
// "bi,bij,bj->b" a bilinear form. Subscripts are the letters a-z and A-Z;
// "..." stands for any number of leading or inner dimensions (broadcast
// across operands, aligned from the right). Without "->" the output holds
// the ellipsis dimensions and then the letters that appear exactly once, in
// ASCII order. Size-1 dimensions broadcast against other operands.
//
// Operands are contracted left to right, each pair as one batched matrix
// product after permuting and reshaping (so the result is differentiable
// through those ops). Operands must be floating point.
func Einsum(equation string, operands ...*Tensor) *Tensor {
	if len(operands) == 0 {
		panic(&ValueError{Op: "einsum", Msg: "einsum(): must provide at least one operand"})
	}
	operands = autocastSlice("einsum", operands)
	sameDevice("einsum", operands...)
	for i, x := range operands {
		if !x.dtype.IsFloat() {
			panic(&DTypeError{Op: "einsum", Msg: fmt.Sprintf("einsum(): operand %d is %v; only floating-point operands are supported", i, x.dtype)})
		}
	}
	eq := parseEinsum(equation, operands)
	ops := make([]einsumTerm, len(operands))
	for i, x := range operands {
		ops[i] = eq.prepare(i, x)
	}
	cur := ops[0]
	for i := 1; i < len(ops); i++ {
		keep := map[int]bool{}
		for _, l := range eq.out {
			keep[l] = true
		}
		for _, o := range ops[i+1:] {
			for _, l := range o.labels {
				keep[l] = true
			}
		}
		cur = contractPair(cur, ops[i], keep)
	}
	return eq.finish(cur)
}

// Labels: 'A'-'Z' are 0-25, 'a'-'z' 26-51 (so sorting labels is ASCII
// order), and the ellipsis dimensions einsumEll, einsumEll+1, ...
const einsumEll = 52

func einsumLabel(c byte) (int, bool) {
	switch {
	case c >= 'A' && c <= 'Z':
		return int(c - 'A'), true
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 26, true
	}
	return 0, false
}

func einsumChar(l int) string {
	switch {
	case l < 26:
		return string(rune('A' + l))
	case l < einsumEll:
		return string(rune('a' + l - 26))
	}
	return "..."
}

// einsumEq is a parsed equation: every operand's labels (ellipses
// expanded), the output labels and every label's size.
type einsumEq struct {
	in   [][]int
	out  []int
	size map[int]int
}

// einsumTerm is an operand during evaluation: its tensor and one distinct
// label per axis.
type einsumTerm struct {
	x      *Tensor
	labels []int
}

// parseSubscripts reads one term of the equation: its labels, with -1 at
// the position of an ellipsis.
func parseSubscripts(term string, pos int) ([]int, bool) {
	var labels []int
	ell := false
	for i := 0; i < len(term); i++ {
		c := term[i]
		if c == '.' {
			if ell || !strings.HasPrefix(term[i:], "...") {
				panic(&ValueError{Op: "einsum", Msg: fmt.Sprintf("einsum(): found '.' at index %d of the equation that is not part of a single ellipsis (...)", pos+i)})
			}
			ell = true
			labels = append(labels, -1)
			i += 2
			continue
		}
		l, ok := einsumLabel(c)
		if !ok {
			panic(&ValueError{Op: "einsum", Msg: fmt.Sprintf("einsum(): invalid subscript %q at index %d of the equation; subscripts must be in [a-zA-Z]", c, pos+i)})
		}
		labels = append(labels, l)
	}
	return labels, ell
}

func parseEinsum(equation string, operands []*Tensor) *einsumEq {
	equation = strings.ReplaceAll(equation, " ", "")
	lhs, rhs, arrow := strings.Cut(equation, "->")
	terms := strings.Split(lhs, ",")
	if len(terms) > len(operands) {
		panic(&ValueError{Op: "einsum", Msg: fmt.Sprintf("einsum(): fewer operands were provided than specified in the equation (%d terms, %d operands)", len(terms), len(operands))})
	}
	if len(terms) < len(operands) {
		panic(&ValueError{Op: "einsum", Msg: fmt.Sprintf("einsum(): more operands were provided than specified in the equation (%d terms, %d operands)", len(terms), len(operands))})
	}
	raw := make([][]int, len(terms))
	hasEll := make([]bool, len(terms))
	nEll := make([]int, len(terms))
	maxEll := 0
	pos := 0
	for i, term := range terms {
		raw[i], hasEll[i] = parseSubscripts(term, pos)
		pos += len(term) + 1
		nd := operands[i].Dim()
		letters := len(raw[i])
		if hasEll[i] {
			letters--
			if nd < letters {
				panic(shapeErr("einsum", fmt.Sprintf("einsum(): the number of subscripts in the equation (%d) is more than the number of dimensions (%d) for operand %d", letters, nd, i), operands[i].shape))
			}
			nEll[i] = nd - letters
			maxEll = max(maxEll, nEll[i])
		} else if nd != letters {
			panic(shapeErr("einsum", fmt.Sprintf("einsum(): the number of subscripts in the equation (%d) does not match the number of dimensions (%d) for operand %d and no ellipsis was given", letters, nd, i), operands[i].shape))
		}
	}
	eq := &einsumEq{in: make([][]int, len(terms)), size: map[int]int{}}
	count := map[int]int{}
	for i, labels := range raw {
		for _, l := range labels {
			if l < 0 {
				for j := range nEll[i] {
					eq.in[i] = append(eq.in[i], einsumEll+maxEll-nEll[i]+j)
				}
				continue
			}
			eq.in[i] = append(eq.in[i], l)
			count[l]++
		}
		// A label repeated within one operand takes a diagonal: sizes must agree.
		for d, l := range eq.in[i] {
			if e := slices.Index(eq.in[i], l); e < d && operands[i].shape[e] != operands[i].shape[d] {
				panic(shapeErr("einsum", fmt.Sprintf("einsum(): subscript %s is repeated for operand %d but the sizes don't match, %d != %d", einsumChar(l), i, operands[i].shape[d], operands[i].shape[e]), operands[i].shape))
			}
		}
		for d, l := range eq.in[i] {
			s := operands[i].shape[d]
			prev, seen := eq.size[l]
			switch {
			case !seen || prev == 1:
				eq.size[l] = s
			case s != 1 && s != prev:
				panic(shapeErr("einsum", fmt.Sprintf("einsum(): subscript %s has size %d for operand %d which does not broadcast with previously seen size %d", einsumChar(l), s, i, prev), operands[i].shape))
			}
		}
	}
	if arrow {
		labels, _ := parseSubscripts(rhs, len(lhs)+2)
		seen := map[int]bool{}
		for _, l := range labels {
			if l < 0 {
				for j := range maxEll {
					eq.out = append(eq.out, einsumEll+j)
				}
				continue
			}
			if _, ok := eq.size[l]; !ok {
				panic(&ValueError{Op: "einsum", Msg: fmt.Sprintf("einsum(): output subscript %s does not appear in the equation for any input operand", einsumChar(l))})
			}
			if seen[l] {
				panic(&ValueError{Op: "einsum", Msg: fmt.Sprintf("einsum(): output subscript %s appears more than once in the output", einsumChar(l))})
			}
			seen[l] = true
			eq.out = append(eq.out, l)
		}
	} else {
		for j := range maxEll {
			eq.out = append(eq.out, einsumEll+j)
		}
		for l := range einsumEll {
			if count[l] == 1 {
				eq.out = append(eq.out, l)
			}
		}
	}
	return eq
}

// prepare turns operand i into a term with distinct labels: repeated labels
// become diagonals, size-1 axes that broadcast against a larger size are
// dropped (the label is then simply absent), and labels used nowhere else
// are summed out.
func (eq *einsumEq) prepare(i int, x *Tensor) einsumTerm {
	labels := slices.Clone(eq.in[i])
	for {
		p, q := -1, -1
		for a := range labels {
			if b := slices.Index(labels[a+1:], labels[a]); b >= 0 {
				p, q = a, a+1+b
				break
			}
		}
		if p < 0 {
			break
		}
		l := labels[p]
		x = x.Diagonal(0, p, q)
		labels = append(slices.Delete(slices.Delete(labels, q, q+1), p, p+1), l)
	}
	var squeeze []int
	for d, l := range labels {
		if x.shape[d] == 1 && eq.size[l] != 1 {
			squeeze = append(squeeze, d)
		}
	}
	if len(squeeze) > 0 {
		x = x.Squeeze(squeeze...)
		labels = removeAt(labels, squeeze)
	}
	used := map[int]bool{}
	for _, l := range eq.out {
		used[l] = true
	}
	for j, o := range eq.in {
		if j != i {
			for _, l := range o {
				used[l] = true
			}
		}
	}
	return sumUnused(einsumTerm{x, labels}, used)
}

// removeAt returns labels without the positions in drop (ascending).
func removeAt(labels, drop []int) []int {
	var out []int
	for d, l := range labels {
		if !slices.Contains(drop, d) {
			out = append(out, l)
		}
	}
	return out
}

// sumUnused sums out the axes whose labels are not in keep.
func sumUnused(t einsumTerm, keep map[int]bool) einsumTerm {
	var axes []int
	for d, l := range t.labels {
		if !keep[l] {
			axes = append(axes, d)
		}
	}
	if len(axes) == 0 {
		return t
	}
	return einsumTerm{t.x.sum(axes, false), removeAt(t.labels, axes)}
}

// contractPair multiplies two terms, summing the labels they share that
// keep does not list, as one batched matrix product: a is arranged as
// [batch, left, contracted] and b as [batch, contracted, right].
func contractPair(a, b einsumTerm, keep map[int]bool) einsumTerm {
	inB := map[int]bool{}
	for _, l := range b.labels {
		inB[l] = true
	}
	inA := map[int]bool{}
	for _, l := range a.labels {
		inA[l] = true
	}
	keepA, keepB := map[int]bool{}, map[int]bool{}
	for l := range keep {
		keepA[l], keepB[l] = true, true
	}
	for l := range inB {
		keepA[l] = true
	}
	for l := range inA {
		keepB[l] = true
	}
	a, b = sumUnused(a, keepA), sumUnused(b, keepB)
	var batch, left, con, right []int
	for _, l := range a.labels {
		switch {
		case !inB[l]:
			left = append(left, l)
		case keep[l]:
			batch = append(batch, l)
		default:
			con = append(con, l)
		}
	}
	for _, l := range b.labels {
		if !inA[l] {
			right = append(right, l)
		}
	}
	sizes := func(t einsumTerm, ls []int) ([]int, int) {
		out := make([]int, len(ls))
		n := 1
		for i, l := range ls {
			out[i] = t.x.shape[slices.Index(t.labels, l)]
			n *= out[i]
		}
		return out, n
	}
	perm := func(t einsumTerm, groups ...[]int) *Tensor {
		var p []int
		for _, g := range groups {
			for _, l := range g {
				p = append(p, slices.Index(t.labels, l))
			}
		}
		return t.x.Permute(p...)
	}
	bs, nb := sizes(a, batch)
	ls, m := sizes(a, left)
	_, k := sizes(a, con)
	rs, n := sizes(b, right)
	x := perm(a, batch, left, con).Reshape(nb, m, k)
	y := perm(b, batch, con, right).Reshape(nb, k, n)
	shape := append(append(slices.Clone(bs), ls...), rs...)
	labels := append(append(slices.Clone(batch), left...), right...)
	return einsumTerm{x.Matmul(y).Reshape(shape...), labels}
}

// finish brings the last term to the output labels: it sums what the
// output does not keep and orders the axes. Every output label is present:
// a size-1 axis is only dropped where another operand has the label.
func (eq *einsumEq) finish(t einsumTerm) *Tensor {
	keep := map[int]bool{}
	for _, l := range eq.out {
		keep[l] = true
	}
	t = sumUnused(t, keep)
	p := make([]int, len(eq.out))
	for i, l := range eq.out {
		p[i] = slices.Index(t.labels, l)
	}
	return t.x.Permute(p...)
}
