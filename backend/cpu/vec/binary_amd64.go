//go:build amd64 && !purego

package vec

//go:noescape
func addAsm(dst, x, y []float32)

//go:noescape
func subAsm(dst, x, y []float32)

//go:noescape
func mulAsm(dst, x, y []float32)

//go:noescape
func divAsm(dst, x, y []float32)

//go:noescape
func addScalarAsm(dst, x []float32, s float32)

//go:noescape
func subScalarAsm(dst, x []float32, s float32)

//go:noescape
func mulScalarAsm(dst, x []float32, s float32)

//go:noescape
func divScalarAsm(dst, x []float32, s float32)

//go:noescape
func scalarSubAsm(dst []float32, s float32, y []float32)

//go:noescape
func scalarDivAsm(dst []float32, s float32, y []float32)
