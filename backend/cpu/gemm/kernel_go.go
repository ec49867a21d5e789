package gemm

import "unsafe"

// The pure-Go micro-kernels: the same tile shapes and operand layouts as the
// assembly ones, so the driver and the packing are shared. They are used under
// the purego build tag, on other architectures, on CPUs without AVX2+FMA, and
// by the tests as the twin of the assembly.

const (
	mrS, nrS = 6, 16 // float32 register tile
	mrD, nrD = 6, 8  // float64 register tile
)

var goKernelS = kernel[float32]{
	name: "go", mr: mrS, nr: nrS, kc: 256, mc: 96, nc: 2048,
	fn: sgemmKernelGo,
}

var goKernelD = kernel[float64]{
	name: "go", mr: mrD, nr: nrD, kc: 256, mc: 96, nc: 2048,
	fn: dgemmKernelGo,
}

func sgemmKernelGo(k int, a *float32, rsa, csa int, b *float32, rsb int, c *float32, rsc int, alpha, beta float32) {
	var acc [mrS * nrS]float32
	if k > 0 {
		ap := unsafe.Slice(a, (mrS-1)*rsa+(k-1)*csa+1)
		bp := unsafe.Slice(b, (k-1)*rsb+nrS)
		for p := 0; p < k; p++ {
			bv := (*[nrS]float32)(bp[p*rsb:])
			for i := 0; i < mrS; i++ {
				ai := ap[i*rsa+p*csa]
				row := (*[nrS]float32)(acc[i*nrS:])
				for j, bj := range bv {
					row[j] += ai * bj
				}
			}
		}
	}
	storeTile(acc[:], nrS, unsafe.Slice(c, (mrS-1)*rsc+nrS), rsc, alpha, beta)
}

func dgemmKernelGo(k int, a *float64, rsa, csa int, b *float64, rsb int, c *float64, rsc int, alpha, beta float64) {
	var acc [mrD * nrD]float64
	if k > 0 {
		ap := unsafe.Slice(a, (mrD-1)*rsa+(k-1)*csa+1)
		bp := unsafe.Slice(b, (k-1)*rsb+nrD)
		for p := 0; p < k; p++ {
			bv := (*[nrD]float64)(bp[p*rsb:])
			for i := 0; i < mrD; i++ {
				ai := ap[i*rsa+p*csa]
				row := (*[nrD]float64)(acc[i*nrD:])
				for j, bj := range bv {
					row[j] += ai * bj
				}
			}
		}
	}
	storeTile(acc[:], nrD, unsafe.Slice(c, (mrD-1)*rsc+nrD), rsc, alpha, beta)
}

// storeTile writes C = alpha*acc + beta*C for a row-major tile acc with nr
// columns into C, whose rows are rsc apart, without reading C when beta is 0.
func storeTile[T float](acc []T, nr int, c []T, rsc int, alpha, beta T) {
	for i := 0; i < len(acc)/nr; i++ {
		src := acc[i*nr : i*nr+nr]
		dst := c[i*rsc : i*rsc+nr]
		if beta == 0 {
			for j, v := range src {
				dst[j] = alpha * v
			}
			continue
		}
		for j, v := range src {
			dst[j] = alpha*v + beta*dst[j]
		}
	}
}
