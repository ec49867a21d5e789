//go:build !amd64 || purego

package vec

// Without assembly the kernels' assembly entry points are the Go loops
// (never reached: useAsm is false).

func addAsm(dst, x, y []float32)                         { addGo(dst, x, y) }
func subAsm(dst, x, y []float32)                         { subGo(dst, x, y) }
func mulAsm(dst, x, y []float32)                         { mulGo(dst, x, y) }
func divAsm(dst, x, y []float32)                         { divGo(dst, x, y) }
func addScalarAsm(dst, x []float32, s float32)           { addScalarGo(dst, x, s) }
func subScalarAsm(dst, x []float32, s float32)           { subScalarGo(dst, x, s) }
func mulScalarAsm(dst, x []float32, s float32)           { mulScalarGo(dst, x, s) }
func divScalarAsm(dst, x []float32, s float32)           { divScalarGo(dst, x, s) }
func scalarSubAsm(dst []float32, s float32, y []float32) { scalarSubGo(dst, s, y) }
func scalarDivAsm(dst []float32, s float32, y []float32) { scalarDivGo(dst, s, y) }
