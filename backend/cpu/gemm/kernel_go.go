package gemm

import "unsafe"

// The pure-Go micro-kernels: the same tile shapes and operand layouts as the
// assembly ones, so the driver and the packing are shared. They are used under
// the purego build tag, on other architectures, on CPUs without AVX2+FMA, and
// by the tests as the twin of the assembly.

const (
	mrS, nrS = 6, 16 // float32 register tile
	mrD, nrD = 6, 8  // float64 register tile
	mr14     = 14    // rows of the AVX-512 tiles (nrS or nrD columns)
)

var goKernelS = kernel[float32]{
	name: "go", mr: mrS, nr: nrS, kc: 256, mc: 96, nc: 2048,
	fn: sgemmKernelGo, fnPackA: packThenRun(mrS, sgemmKernelGo),
	fnCol: columnOf(mrS, nrS, sgemmKernelGo),
}

var goKernelD = kernel[float64]{
	name: "go", mr: mrD, nr: nrD, kc: 256, mc: 96, nc: 2048,
	fn: dgemmKernelGo, fnPackA: packThenRun(mrD, dgemmKernelGo),
	fnCol: columnOf(mrD, nrD, dgemmKernelGo),
}

// goKernelS14 and goKernelD14 are the pure-Go twins of the AVX-512
// kernels' 14-row tiles and blocking: the tests run the driver with them,
// so that its paths for a 14-row tile are checked on machines without
// AVX-512.
var (
	goKernelS14 = kernel[float32]{
		name: "go14", mr: mr14, nr: nrS, kc: 256, mc: 140, nc: 4080,
		fn: kernelGo14[float32], fnPackA: packThenRun(mr14, kernelGo14[float32]),
		fnCol: columnOf(mr14, nrS, kernelGo14[float32]),
	}
	goKernelD14 = kernel[float64]{
		name: "go14", mr: mr14, nr: nrD, kc: 256, mc: 70, nc: 2040,
		fn: kernelGo14[float64], fnPackA: packThenRun(mr14, kernelGo14[float64]),
		fnCol: columnOf(mr14, nrD, kernelGo14[float64]),
	}
)

// kernelGo14 is the micro-kernel of a 14-row tile, 64 bytes wide (16
// float32 or 8 float64 columns): the 6-row product twice and a 2-row one.
func kernelGo14[T float](k int, a *T, rsa, csa int, b *T, rsb int, c *T, rsc int, alpha, beta T) {
	var z T
	nr := 64 / int(unsafe.Sizeof(z))
	var acc [mr14 * 16]T
	for r0 := 0; r0 < mr14; r0 += 6 {
		rows := min(6, mr14-r0)
		ar := (*T)(unsafe.Add(unsafe.Pointer(a), uintptr(r0*rsa)*unsafe.Sizeof(z)))
		if rows == 6 {
			microGo(acc[r0*nr:], nr, k, ar, rsa, csa, b, rsb)
			continue
		}
		microRowsGo(acc[r0*nr:(r0+rows)*nr], nr, rows, k, ar, rsa, csa, b, rsb)
	}
	storeTile(acc[:mr14*nr], nr, unsafe.Slice(c, (mr14-1)*rsc+nr), rsc, alpha, beta)
}

// microRowsGo computes the rows×nr product of A and B (laid out as for the
// kernels) into acc, row-major: the plain loop, for the odd rows of a tile.
func microRowsGo[T float](acc []T, nr, rows, k int, a *T, rsa, csa int, b *T, rsb int) {
	if k == 0 {
		return
	}
	ap := unsafe.Slice(a, (rows-1)*rsa+(k-1)*csa+1)
	bp := unsafe.Slice(b, (k-1)*rsb+nr)
	for i := range rows {
		row := acc[i*nr : i*nr+nr]
		for p := range k {
			av, bv := ap[i*rsa+p*csa], bp[p*rsb:p*rsb+nr]
			for j, v := range bv {
				row[j] += av * v
			}
		}
	}
}

func sgemmKernelGo(k int, a *float32, rsa, csa int, b *float32, rsb int, c *float32, rsc int, alpha, beta float32) {
	var acc [mrS * nrS]float32
	microGo(acc[:], nrS, k, a, rsa, csa, b, rsb)
	storeTile(acc[:], nrS, unsafe.Slice(c, (mrS-1)*rsc+nrS), rsc, alpha, beta)
}

func dgemmKernelGo(k int, a *float64, rsa, csa int, b *float64, rsb int, c *float64, rsc int, alpha, beta float64) {
	var acc [mrD * nrD]float64
	microGo(acc[:], nrD, k, a, rsa, csa, b, rsb)
	storeTile(acc[:], nrD, unsafe.Slice(c, (mrD-1)*rsc+nrD), rsc, alpha, beta)
}

// microGo computes the 6×nr product of A and B (laid out as for the
// kernels) into acc, row-major, two columns at a time so that the twelve
// partial sums stay in registers.
func microGo[T float](acc []T, nr, k int, a *T, rsa, csa int, b *T, rsb int) {
	if k == 0 {
		return
	}
	ap := unsafe.Slice(a, 5*rsa+(k-1)*csa+1)
	bp := unsafe.Slice(b, (k-1)*rsb+nr)
	acc = acc[:6*nr]
	for j0 := 0; j0 < nr; j0 += 2 {
		var c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51 T
		ai, bi := 0, j0
		for p := 0; p < k; p++ {
			bv := bp[bi : bi+2 : bi+2]
			b0, b1 := bv[0], bv[1]
			a0, a1, a2 := ap[ai], ap[ai+rsa], ap[ai+2*rsa]
			a3, a4, a5 := ap[ai+3*rsa], ap[ai+4*rsa], ap[ai+5*rsa]
			c00 += a0 * b0
			c01 += a0 * b1
			c10 += a1 * b0
			c11 += a1 * b1
			c20 += a2 * b0
			c21 += a2 * b1
			c30 += a3 * b0
			c31 += a3 * b1
			c40 += a4 * b0
			c41 += a4 * b1
			c50 += a5 * b0
			c51 += a5 * b1
			ai += csa
			bi += rsb
		}
		acc[0*nr+j0], acc[0*nr+j0+1] = c00, c01
		acc[1*nr+j0], acc[1*nr+j0+1] = c10, c11
		acc[2*nr+j0], acc[2*nr+j0+1] = c20, c21
		acc[3*nr+j0], acc[3*nr+j0+1] = c30, c31
		acc[4*nr+j0], acc[4*nr+j0+1] = c40, c41
		acc[5*nr+j0], acc[5*nr+j0+1] = c50, c51
	}
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
