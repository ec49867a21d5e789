package gemm

import "github.com/emberdl/ember/internal/parallel"

// Sgemm computes C = alpha*A*B + beta*C in float32, where A is m×k, B is k×n
// and C is m×n. Element (i,j) of A is a[i*rsa+j*csa], and likewise for B and
// C, so transposed and strided operands need no copy: a row-major A has
// (rsa, csa) = (k, 1), its transpose stored row-major has (1, m).
//
// When beta is 0 the old contents of C are not read (NaN in C does not leak
// into the result), as in BLAS. With k == 0 or alpha == 0, C = beta*C.
//
// Strides must be non-negative and every referenced element must lie inside
// its slice; C's elements must not overlap each other, nor A or B. A call
// that breaks these rules panics with a message naming the operand.
func Sgemm(m, n, k int, alpha float32, a []float32, rsa, csa int, b []float32, rsb, csb int, beta float32, c []float32, rsc, csc int) {
	op := operands[float32]{m: m, n: n, k: k, alpha: alpha, beta: beta,
		a: a, rsa: rsa, csa: csa, b: b, rsb: rsb, csb: csb, c: c, rsc: rsc, csc: csc}
	check("Sgemm", &op, 1, 0, 0, 0)
	gemm(kernelS, op, parallel.Workers())
}

// SgemmSerial is Sgemm computed on the calling goroutine alone, for
// callers that already spread many small products over the worker pool
// (one per task) and would gain nothing from splitting each again.
func SgemmSerial(m, n, k int, alpha float32, a []float32, rsa, csa int, b []float32, rsb, csb int, beta float32, c []float32, rsc, csc int) {
	op := operands[float32]{m: m, n: n, k: k, alpha: alpha, beta: beta,
		a: a, rsa: rsa, csa: csa, b: b, rsb: rsb, csb: csb, c: c, rsc: rsc, csc: csc}
	check("SgemmSerial", &op, 1, 0, 0, 0)
	gemm(kernelS, op, 1)
}

// SgemmBias computes C = alpha*A*B + bias in float32, bias[j] added to
// column j of every row (a layer's bias: y = x·Wᵀ + b): C is only written,
// and the bias is added as each tile is stored rather than in a pass of its
// own. bias has at least n elements (a nil bias adds nothing: C is
// overwritten); the rest is as in Sgemm.
func SgemmBias(m, n, k int, alpha float32, a []float32, rsa, csa int, b []float32, rsb, csb int, bias, c []float32, rsc, csc int) {
	op := operands[float32]{m: m, n: n, k: k, alpha: alpha,
		a: a, rsa: rsa, csa: csa, b: b, rsb: rsb, csb: csb, c: c, rsc: rsc, csc: csc, bias: bias}
	check("SgemmBias", &op, 1, 0, 0, 0)
	gemm(kernelS, op, parallel.Workers())
}

// DgemmBias is SgemmBias in float64.
func DgemmBias(m, n, k int, alpha float64, a []float64, rsa, csa int, b []float64, rsb, csb int, bias, c []float64, rsc, csc int) {
	op := operands[float64]{m: m, n: n, k: k, alpha: alpha,
		a: a, rsa: rsa, csa: csa, b: b, rsb: rsb, csb: csb, c: c, rsc: rsc, csc: csc, bias: bias}
	check("DgemmBias", &op, 1, 0, 0, 0)
	gemm(kernelD, op, parallel.Workers())
}

// Dgemm computes C = alpha*A*B + beta*C in float64, with the same operand
// layout and rules as Sgemm.
func Dgemm(m, n, k int, alpha float64, a []float64, rsa, csa int, b []float64, rsb, csb int, beta float64, c []float64, rsc, csc int) {
	op := operands[float64]{m: m, n: n, k: k, alpha: alpha, beta: beta,
		a: a, rsa: rsa, csa: csa, b: b, rsb: rsb, csb: csb, c: c, rsc: rsc, csc: csc}
	check("Dgemm", &op, 1, 0, 0, 0)
	gemm(kernelD, op, parallel.Workers())
}

// SgemmBatched computes batch independent float32 products
// C[i] = alpha*A[i]*B[i] + beta*C[i], where matrix i of A starts at
// a[i*sa] and is laid out as in Sgemm, and likewise for B and C. A batch
// stride of 0 for A or B uses the same matrix in every product (broadcast);
// C's matrices must not overlap.
func SgemmBatched(batch, m, n, k int, alpha float32, a []float32, sa, rsa, csa int, b []float32, sb, rsb, csb int, beta float32, c []float32, sc, rsc, csc int) {
	op := operands[float32]{m: m, n: n, k: k, alpha: alpha, beta: beta,
		a: a, rsa: rsa, csa: csa, b: b, rsb: rsb, csb: csb, c: c, rsc: rsc, csc: csc}
	check("SgemmBatched", &op, batch, sa, sb, sc)
	batched(kernelS, op, batch, sa, sb, sc)
}

// DgemmBatched is SgemmBatched in float64.
func DgemmBatched(batch, m, n, k int, alpha float64, a []float64, sa, rsa, csa int, b []float64, sb, rsb, csb int, beta float64, c []float64, sc, rsc, csc int) {
	op := operands[float64]{m: m, n: n, k: k, alpha: alpha, beta: beta,
		a: a, rsa: rsa, csa: csa, b: b, rsb: rsb, csb: csb, c: c, rsc: rsc, csc: csc}
	check("DgemmBatched", &op, batch, sa, sb, sc)
	batched(kernelD, op, batch, sa, sb, sc)
}

// batched runs the products of a batch: several at once, each on one
// goroutine, when they are small; one after another, each spread over the
// pool, when they are large enough to split well by themselves.
func batched[T float](ker *kernel[T], op operands[T], batch, sa, sb, sc int) {
	if batch == 0 || op.m == 0 || op.n == 0 {
		return
	}
	threads := parallel.Workers()
	w := work(op.m, op.n, max(op.k, 1))
	// Products of 16·parallelMinWork (1.6·10⁷ multiply-adds) and more are
	// split by themselves; a batch worth less than 4·parallelMinWork in all
	// runs on the caller.
	if batch == 1 || threads == 1 || w >= 16*parallelMinWork || work(w, batch, 1) < 4*parallelMinWork {
		for i := 0; i < batch; i++ {
			gemm(ker, op.batchItem(i, sa, sb, sc), threads)
		}
		return
	}
	d := getDriver(ker)
	d.op, d.sa, d.sb, d.sc = op, sa, sb, sc
	d.task = taskSize(batch, work(w, batch, 1), threads, tasksPerWorker)
	d.batch = batch
	parallel.Do((batch+d.task-1)/d.task, d.batchTaskFn)
	putDriver(d)
}
