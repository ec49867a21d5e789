package ember

import (
	"strings"
	"testing"
)

func TestFreeMakesTensorAndViewsUnusable(t *testing.T) {
	x := Arange(0, 1024, 1).Reshape(32, 32).Add(Ones([]int{32, 32}))
	v := x.T()
	x.Free()
	if !x.Freed() || !v.Freed() {
		t.Fatal("Freed is false after Free")
	}
	x.Free() // twice: no effect
	for name, use := range map[string]func(){
		"tensor": func() { x.Sum() },
		"view":   func() { v.MulScalar(2) },
		"matmul": func() { v.Matmul(v) },
	} {
		err := Catch(use)
		if err == nil || !strings.Contains(err.Error(), "use of a freed float32 tensor") {
			t.Errorf("%s: got %v, want a use-after-free error", name, err)
		}
	}
}

func TestFreeLeavesOtherTensorsAlone(t *testing.T) {
	a := Full([]int{512}, 3)
	b := a.MulScalar(2)
	a.Free()
	var nilT *Tensor
	nilT.Free()
	if got := b.Sum().Item(); got != 3072 {
		t.Fatalf("sum after freeing another tensor = %v, want 3072", got)
	}
	// Memory reused after Free must not show up in live tensors.
	for range 10 {
		c := Full([]int{512}, 1)
		if got := c.Sum().Item(); got != 512 {
			t.Fatalf("fresh tensor sum = %v, want 512", got)
		}
		c.Free()
	}
	if b.Freed() {
		t.Fatal("b reports freed")
	}
}

func TestFreeOfSliceBackedTensor(t *testing.T) {
	data := []float32{1, 2, 3}
	x := FromSlice(data)
	x.Free()
	if err := Catch(func() { x.Sum() }); err == nil {
		t.Fatal("use after Free succeeded")
	}
	if data[1] != 2 {
		t.Fatal("Free changed the caller's slice")
	}
}
