//go:build !amd64 || purego

package vec

func sgdAsm(p, g, buf []float32, s *SGD) { sgdGo(p, g, buf, s) }
