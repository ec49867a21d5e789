package ember

import (
	"testing"
)

func TestStringLikePyTorch(t *testing.T) {
	cases := []struct {
		t    *Tensor
		want string
	}{
		{From([][]float32{{1, 2.5}, {3, 4}}), "tensor([[1.0000, 2.5000],\n        [3.0000, 4.0000]])"},
		{FromSlice([]int64{1, 2, 3}), "tensor([1, 2, 3])"},
		{FromSlice([]float64{0.5}), "tensor([0.5000], dtype=torch.float64)"},
		{From(2.0, RequiresGrad), "tensor(2., requires_grad=True)"},
		{FromSlice([]bool{true, false}), "tensor([ True, False])"},
		{Zeros([]int{0, 3}), "tensor([], size=(0, 3))"},
		{Arange(0, 2000, 1), "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])"},
	}
	for _, c := range cases {
		if got := c.t.String(); got != c.want {
			t.Errorf("got\n%s\nwant\n%s", got, c.want)
		}
	}
	x := From([]float32{1, 2}, RequiresGrad)
	if got, want := x.MulScalar(2).String(), "tensor([2., 4.], grad_fn=<MulBackward1>)"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
