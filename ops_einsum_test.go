package ember

import (
	"strings"
	"testing"
)

func init() {
	registerGolden("einsum", one(func(a goldenArgs, in []*Tensor) *Tensor { return Einsum(a.String("eq", ""), in...) }))

	cases := []struct {
		eq     string
		shapes [][]int
	}{
		{"ij,jk->ik", [][]int{{2, 3}, {3, 2}}},
		{"bij,bjk->bik", [][]int{{2, 2, 3}, {2, 3, 2}}},
		{"ii->", [][]int{{3, 3}}},
		{"iij->ji", [][]int{{2, 2, 3}}},
		{"i,j->ij", [][]int{{3}, {2}}},
		{"ij->j", [][]int{{2, 3}}},
		{"bi,bij,bj->b", [][]int{{2, 3}, {2, 3, 2}, {2, 2}}},
		{"...ij,...jk->...ik", [][]int{{2, 2, 3}, {3, 2}}},
		{"ij,jk->ik", [][]int{{2, 1}, {3, 2}}},
	}
	for i, c := range cases {
		s := uint64(1300 + 10*i)
		addGradCheck(gradCase{name: "einsum_" + c.eq, secondOrder: true,
			inputs: func() []*Tensor {
				ins := make([]*Tensor, len(c.shapes))
				for j, sh := range c.shapes {
					ins[j] = randT(s+uint64(j), -1, 1, sh...)
				}
				return ins
			},
			f: func(in []*Tensor) *Tensor { return Einsum(c.eq, in...) }})
	}
}

// TestEinsumAgainstOps checks einsum against the ops it stands for.
func TestEinsumAgainstOps(t *testing.T) {
	a := randT(1, -1, 1, 3, 4).Detach()
	b := randT(2, -1, 1, 4, 5).Detach()
	sq := randT(3, -1, 1, 4, 4).Detach()
	batch := randT(4, -1, 1, 2, 3, 4).Detach()
	cases := []struct {
		name      string
		got, want *Tensor
	}{
		{"matmul", Einsum("ij,jk->ik", a, b), a.Matmul(b)},
		{"transpose", Einsum("ij->ji", a), a.T()},
		{"trace", Einsum("ii", sq), sq.Diagonal(0, 0, 1).Sum()},
		{"diag", Einsum("ii->i", sq), sq.Diagonal(0, 0, 1)},
		{"row_sums", Einsum("ij->i", a), a.Sum(1)},
		{"batched_transpose", Einsum("...ij->...ji", batch), batch.MT()},
		{"batch_matmul", Einsum("bij,jk->bik", batch, b), batch.Matmul(b)},
	}
	for _, c := range cases {
		assertClose(t, c.name, c.got, c.want.Shape(), c.want.Float64s(), 1e-12, 1e-12)
	}
}

func TestEinsumErrors(t *testing.T) {
	m := Ones([]int{2, 3})
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"no_operands", func() { Einsum("ij") }, "must provide at least one operand"},
		{"too_few_operands", func() { Einsum("ij,jk", m) }, "fewer operands were provided than specified in the equation"},
		{"too_many_operands", func() { Einsum("ij", m, m) }, "more operands were provided than specified in the equation"},
		{"rank", func() { Einsum("ijk", m) }, "the number of subscripts in the equation (3) does not match the number of dimensions (2) for operand 0 and no ellipsis was given"},
		{"rank_ellipsis", func() { Einsum("ijk...", m) }, "the number of subscripts in the equation (3) is more than the number of dimensions (2)"},
		{"bad_char", func() { Einsum("i1", m) }, "invalid subscript '1' at index 1"},
		{"bad_dots", func() { Einsum("i..j", m) }, "not part of a single ellipsis"},
		{"two_ellipses", func() { Einsum("......", m) }, "not part of a single ellipsis"},
		{"broadcast", func() { Einsum("ij,jk->ik", m, Ones([]int{4, 4})) }, "subscript j has size 4 for operand 1 which does not broadcast with previously seen size 3"},
		{"output_unknown", func() { Einsum("ij->k", m) }, "output subscript k does not appear in the equation for any input operand"},
		{"output_repeat", func() { Einsum("ij->ii", m) }, "output subscript i appears more than once in the output"},
		{"diag_sizes", func() { Einsum("ii->i", m) }, "subscript i is repeated for operand 0 but the sizes don't match, 3 != 2"},
		{"int", func() { Einsum("ij->ji", Ones([]int{2, 2}, Int64)) }, "only floating-point operands are supported"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Catch(c.f)
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not contain %q", err, c.want)
			}
		})
	}
}
