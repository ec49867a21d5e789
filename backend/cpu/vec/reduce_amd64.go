//go:build amd64 && !purego

package vec

//go:noescape
func sumAsm(x []float32) float64

//go:noescape
func dotAsm(x, y []float32) float64

//go:noescape
func maxAsm(x []float32) float32

//go:noescape
func expShiftAsm(dst, x []float32, shift float32) float64

//go:noescape
func expShiftSumAsm(x []float32, shift float32) float64

//go:noescape
func subMulAsm(dst, a []float32, s float32, b []float32)

//go:noescape
func subScaledAsm(dst, a, b []float32, s float32)

//go:noescape
func accumulateAsm(acc []float64, x []float32)

// accumulateRowsAsm needs len(acc) a positive multiple of 8, rows > 0 and
// x holding (rows-1)*stride + len(acc) elements.
//
//go:noescape
func accumulateRowsAsm(acc []float64, x []float32, rows, stride int)
