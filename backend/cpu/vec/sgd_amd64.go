//go:build amd64 && !purego

package vec

//go:noescape
func sgdAsm(p, g, buf []float32, s *SGD)
