//go:build !amd64 || purego

package vec

func adamAsm(p, g, m, v []float32, a *Adam, l2 int) { adamGo(p, g, m, v, a) }
