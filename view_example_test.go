package ember_test

import (
	"fmt"

	"github.com/emberdl/ember"
)

// Views share memory with the tensor they come from; Contiguous or Clone
// make a copy.
func Example_views() {
	x := ember.Arange(0, 12, 1).Reshape(3, 4) // int64 [[0 1 2 3] [4 5 6 7] [8 9 10 11]]

	t := x.T() // a transposed view: no copy
	fmt.Println(t.Shape(), t.Strides(), t.SharesStorage(x), t.IsContiguous())

	every2 := x.Slice(1, 0, 4, 2) // columns 0 and 2
	fmt.Println(every2.Ints())

	row := x.Select(0, -1) // the last row, with the axis removed
	fmt.Println(row.Shape(), row.Ints())

	diag := x.Diagonal(1, 0, 1) // the diagonal above the main one
	fmt.Println(diag.Ints())

	flat := t.Reshape(-1) // a transposed layout cannot be viewed flat: Reshape copies
	fmt.Println(flat.Ints(), flat.SharesStorage(x))
	// Output:
	// [4 3] [1 4] true false
	// [0 2 4 6 8 10]
	// [4] [8 9 10 11]
	// [1 6 11]
	// [0 4 8 1 5 9 2 6 10 3 7 11] false
}

// Indexing ops pick, scatter and mask elements; gradients flow back to the
// picked positions.
func Example_indexing() {
	x := ember.From([][]float32{{1, 2, 3}, {4, 5, 6}})

	rows := x.IndexSelect(0, ember.From([]int64{1, 1, 0}))
	fmt.Println(rows.Value())

	picked := x.Gather(1, ember.From([][]int64{{2}, {0}}))
	fmt.Println(picked.Value())

	big := x.MaskedSelect(x.Gt(ember.Scalar(3.5)))
	fmt.Println(big.Value())

	fmt.Println(x.Nonzero().Shape())

	w := ember.From([][]float32{{0, 0}, {1, 1}, {2, 2}}, ember.RequiresGrad)
	emb := ember.Embedding(ember.From([]int64{2, 0, 2}), w)
	emb.Sum().Backward()
	fmt.Println(emb.Value(), w.Grad().Value())

	fmt.Println(ember.From([]int64{0, 2, 1}).OneHot(3).Value())
	// Output:
	// [[4 5 6] [4 5 6] [1 2 3]]
	// [[3] [4]]
	// [4 5 6]
	// [6 2]
	// [[2 2] [0 0] [2 2]] [[1 1] [0 0] [2 2]]
	// [[1 0 0] [0 0 1] [0 1 0]]
}

// Einsum writes contractions by their subscripts.
func ExampleEinsum() {
	a := ember.From([][]float32{{1, 2}, {3, 4}})
	b := ember.From([][]float32{{5, 6}, {7, 8}})
	fmt.Println(ember.Einsum("ij,jk->ik", a, b).Value()) // matrix product
	fmt.Println(ember.Einsum("ii", a).Value())           // trace
	fmt.Println(ember.Einsum("ij->ji", a).Value())       // transpose
	fmt.Println(ember.Einsum("i,j->ij", a.Select(0, 0), b.Select(0, 1)).Value())
	// Output:
	// [[19 22] [43 50]]
	// 5
	// [[1 3] [2 4]]
	// [[7 8] [14 16]]
}

// Sort returns the sorted values and where they came from; Topk keeps the
// k largest.
func ExampleTensor_Sort() {
	x := ember.From([]float32{3, 1, 2, 1})
	v, i := x.Sort(0, false)
	fmt.Println(v.Value(), i.Value())
	v, i = x.Topk(2, 0, true, true)
	fmt.Println(v.Value(), i.Value())
	u, inv, counts := x.Unique(true, true, true)
	fmt.Println(u.Value(), inv.Value(), counts.Value())
	// Output:
	// [1 1 2 3] [1 3 2 0]
	// [3 2] [0 2]
	// [1 2 3] [2 0 1 0] [2 1 1]
}
