//go:build !amd64 || purego

package vec

func sumAsm(x []float32) float64                          { return sumGo(x) }
func dotAsm(x, y []float32) float64                       { return dotGo(x, y) }
func maxAsm(x []float32) float32                          { return maxGo(x) }
func expShiftAsm(dst, x []float32, shift float32) float64 { return expShiftGo(dst, x, shift) }
func expShiftSumAsm(x []float32, shift float32) float64   { return expShiftGo(nil, x, shift) }
func subMulAsm(dst, a []float32, s float32, b []float32)  { subMulGo(dst, a, s, b) }
func subScaledAsm(dst, a, b []float32, s float32)         { subScaledGo(dst, a, b, s) }

func accumulateAsm(acc []float64, x []float32) { accumulateGo(acc, x) }

func accumulateRowsAsm(acc []float64, x []float32, rows, stride int) {
	accumulateRowsGo(acc, x, rows, stride)
}
