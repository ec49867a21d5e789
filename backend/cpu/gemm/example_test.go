package gemm_test

import (
	"fmt"

	"github.com/emberdl/ember/backend/cpu/gemm"
)

func ExampleSgemm() {
	// A is 2×3 row-major, B is 3×2 row-major.
	a := []float32{1, 2, 3, 4, 5, 6}
	b := []float32{7, 8, 9, 10, 11, 12}
	c := make([]float32, 4)
	gemm.Sgemm(2, 2, 3, 1, a, 3, 1, b, 2, 1, 0, c, 2, 1)
	fmt.Println(c)

	// Aᵀ·A without a copy: read the same buffer as a 3×2 matrix by swapping
	// its strides.
	ata := make([]float32, 9)
	gemm.Sgemm(3, 3, 2, 1, a, 1, 3, a, 3, 1, 0, ata, 3, 1)
	fmt.Println(ata)
	// Output:
	// [58 64 139 154]
	// [17 22 27 22 29 36 27 36 45]
}

func ExampleSgemmBatched() {
	// Two 2×2 products sharing one B (batch stride 0).
	a := []float32{1, 0, 0, 1, 2, 0, 0, 2}
	b := []float32{1, 2, 3, 4}
	c := make([]float32, 8)
	gemm.SgemmBatched(2, 2, 2, 2, 1, a, 4, 2, 1, b, 0, 2, 1, 0, c, 4, 2, 1)
	fmt.Println(c)
	// Output: [1 2 3 4 2 4 6 8]
}

func ExampleSgemmPacked() {
	// Pack B (2×2) once, then multiply several left operands by it, as an
	// RNN multiplies each step's hidden state by the same weight.
	b := gemm.PackS(2, 2, []float32{1, 2, 3, 4}, 2, 1)
	c := make([]float32, 2)
	for _, a := range [][]float32{{1, 0}, {0, 1}, {1, 1}} {
		gemm.SgemmPacked(1, 1, a, 2, 1, b, 0, c, 2, 1)
		fmt.Println(c)
	}
	// Output:
	// [1 2]
	// [3 4]
	// [4 6]
}

func ExampleSgemmBias() {
	// A linear layer y = x·Wᵀ + b for two inputs of 3 features and 2
	// outputs: W (2×3, row-major) is read transposed through its strides.
	x := []float32{1, 2, 3, 4, 5, 6}
	w := []float32{1, 0, 1, 0, 1, 0}
	bias := []float32{10, 20}
	y := make([]float32, 4)
	gemm.SgemmBias(2, 2, 3, 1, x, 3, 1, w, 1, 3, bias, y, 2, 1)
	fmt.Println(y)
	// Output: [14 22 20 25]
}

func ExampleColumnS() {
	// C (two tiles: 2·TileRowsS rows) = A·B + C for a 2·TileRowsS × 1 A read
	// in place (rows 1 apart) and B's only row all ones: row r of C is
	// r+1, plus the 100 it held.
	a := make([]float32, 2*gemm.TileRowsS)
	for i := range a {
		a[i] = float32(i + 1)
	}
	b := make([]float32, gemm.TileColsS)
	for j := range b {
		b[j] = 1
	}
	c := make([]float32, 2*gemm.TileRowsS*gemm.TileColsS)
	for i := range c {
		c[i] = 100
	}
	gemm.ColumnS(1, a, 1, 1, gemm.TileRowsS, b, 1, c, gemm.TileColsS, 2)
	for r := 0; r < 2*gemm.TileRowsS; r += 5 {
		fmt.Println(c[r*gemm.TileColsS : r*gemm.TileColsS+3])
	}
	// Output:
	// [101 101 101]
	// [106 106 106]
	// [111 111 111]
}
