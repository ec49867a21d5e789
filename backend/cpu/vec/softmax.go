package vec

import (
	"fmt"
	"math"
)

// Row kernels of attention's softmax: the first n scores of a row are
// scaled, the rest masked, and the row is turned into weights in one call
// (the separate scale, mask, max, exp and normalise calls cost more than
// their arithmetic on rows of 48-128 keys). The assembly takes the row up
// to n rounded up to 8 (lanes from n on masked in registers); the rest of
// the row is cleared.

// ScaledSoftmax turns row[:n] of raw scores x into the softmax weights of
// scale·x, e^(scale·x − m)/Σ with m the largest scaled score, sets row[n:]
// to 0 and returns the log-sum-exp m + ln Σ of the scaled scores (sums in
// float64). It needs 1 <= n <= len(row).
func ScaledSoftmax(row []float32, n int, scale float32) float32 {
	y := maskedRow("ScaledSoftmax", row, n)
	var mx float32
	var sum float64
	if len(y)%8 == 0 && useAsm && len(y) <= chunk {
		mx, sum = scaledSoftmaxAsm(y, n, scale)
	} else {
		mx, sum = scaledSoftmaxGo(y, n, scale)
	}
	clear(row[len(y):])
	return mx + float32(math.Log(sum))
}

// ScaledExp sets row[:n] = e^(scale·x − shift) and row[n:] = 0: the
// weights of ScaledSoftmax recomputed from the log-sum-exp it returned
// (shift). It needs 1 <= n <= len(row).
func ScaledExp(row []float32, n int, scale, shift float32) {
	y := maskedRow("ScaledExp", row, n)
	if len(y)%8 == 0 && useAsm && len(y) <= chunk {
		scaledExpAsm(y, n, scale, shift)
	} else {
		scaledExpGo(y, n, scale, shift)
	}
	clear(row[len(y):])
}

// maskedRow checks n and returns the part of row the kernels compute: n
// rounded up to a multiple of 8, within the row.
func maskedRow(fn string, row []float32, n int) []float32 {
	if n < 1 || n > len(row) {
		panic(fmt.Sprintf("vec.%s: %d scores of a row of %d", fn, n, len(row)))
	}
	return row[:min((n+7)&^7, len(row))]
}

// scaleMask sets y[:n] = scale·y and y[n:] = -Inf.
func scaleMask(y []float32, n int, scale float32) {
	inf := float32(math.Inf(-1))
	for i := range y {
		if i < n {
			y[i] *= scale
		} else {
			y[i] = inf
		}
	}
}

func scaledSoftmaxGo(y []float32, n int, scale float32) (float32, float64) {
	scaleMask(y, n, scale)
	mx := maxGo(y)
	sum := expShiftGo(y, y, mx)
	inv := float32(1 / sum)
	for i := range y {
		y[i] *= inv
	}
	return mx, sum
}

func scaledExpGo(y []float32, n int, scale, shift float32) {
	scaleMask(y, n, scale)
	expShiftGo(y, y, shift)
}
