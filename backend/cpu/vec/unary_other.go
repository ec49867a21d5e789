//go:build !amd64 || purego

package vec

func reluAsm(dst, x []float32)        { reluGo(dst, x) }
func reluGradAsm(dst, g, y []float32) { reluGradGo(dst, g, y) }
func maximumAsm(dst, x, y []float32)  { maximumGo(dst, x, y) }
func expAsm(dst, x []float32)         { expGo(dst, x) }
func logAsm(dst, x []float32)         { logGo(dst, x) }
func tanhAsm(dst, x []float32)        { tanhGo(dst, x) }
func sigmoidAsm(dst, x []float32)     { sigmoidGo(dst, x) }

func erfAsm(dst, x []float32)         { erfGo(dst, x) }
func geluAsm(dst, x []float32)        { geluGo(dst, x) }
func geluGradAsm(dst, g, x []float32) { geluGradGo(dst, g, x) }

func geluAndGradAsm(y, d, x []float32) { geluAndGradGo(y, d, x) }
