//go:build amd64 && !purego

package vec

//go:noescape
func adamAsm(p, g, m, v []float32, a *Adam, l2 int)
