//go:build amd64 && !purego

package vec

//go:noescape
func reluAsm(dst, x []float32)

//go:noescape
func reluGradAsm(dst, g, y []float32)

//go:noescape
func maximumAsm(dst, x, y []float32)

//go:noescape
func expAsm(dst, x []float32)

//go:noescape
func logAsm(dst, x []float32)

//go:noescape
func tanhAsm(dst, x []float32)

//go:noescape
func sigmoidAsm(dst, x []float32)

//go:noescape
func erfAsm(dst, x []float32)

//go:noescape
func geluAsm(dst, x []float32)

//go:noescape
func geluGradAsm(dst, g, x []float32)

//go:noescape
func geluAndGradAsm(y, d, x []float32)
