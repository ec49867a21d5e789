// Package gemm is Ember's CPU matrix-multiply engine: the single-precision
// and double-precision general matrix products under every Linear, matmul and
// convolution of the CPU backend.
//
//	Sgemm(m, n, k, alpha, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc)
//
// computes C = alpha*A*B + beta*C for an m×k A, a k×n B and an m×n C, each
// given as a slice and two strides in elements (element (i,j) of A is
// a[i*rsa+j*csa]), so transposed, strided and sliced operands are used where
// they lie. SgemmBatched and DgemmBatched run many such products, with a
// stride of 0 broadcasting one A or B to every product. SgemmBias and
// DgemmBias compute C = alpha*A*B + bias (a linear layer's bias on every
// row), the bias added by the column kernel as it stores each tile of the
// first depth block. ColumnS hands the float32 micro-kernel itself to
// callers that lay out their operands themselves: a convolution (package
// cpu) packs panels of its implicit im2col matrix and runs the kernel over
// them with no blocking or threading around it.
//
// # Design
//
// The structure is BLIS's: a register-blocked micro-kernel inside loops that
// keep its operands in cache.
//
//   - Micro-kernel. It computes one MR×NR tile of C over a depth block, with
//     the whole tile in registers: 6×16 for float32 and 6×8 for float64 (12
//     accumulator vectors, two B vectors and two broadcasts: all 16 AVX2
//     registers). Each k step is two B loads, six broadcasts of A and twelve
//     FMAs, which keeps both FMA pipes of a core busy. The kernel reads A
//     through two strides, so it runs on packed panels and, when A has a unit
//     stride, on the caller's A in place; B's rows may be packed or in place.
//     The full tiles down a column of C (one B panel) are one call of a
//     column variant (sgemmColumnAVX2), not a call per tile: the calls'
//     overhead is felt in the shallow products of a training step (depth
//     32 to 128): 4096×128×128 and 512×784×128 (A transposed) +11–12%.
//     With a packed B panel and A's k steps a fixed distance apart (a
//     packed A panel, or A's rows read in place) the k loop addresses four
//     steps by fixed offsets and moves its pointers once per four: without
//     the per-step pointer adds and B prefetches the kernel runs 4–6%
//     faster with its panels in L1 (86–88 → 92–94 GFLOP/s on one core,
//     against 98–102 for a bare FMA loop). A column's first four tiles
//     also prefetch the next packed B panel into L2, so that the next
//     call's first tile does not read it from L3 (emulated: +3%).
//     The AVX2+FMA kernels are in assembly (kernel_avx2_amd64.s) and chosen
//     at start-up with golang.org/x/sys/cpu; pure-Go twins with the same
//     layout (kernel_go.go) serve the purego build tag, other architectures
//     and older CPUs, and the tests run both.
//
//   - AVX-512 (kernel_avx512_amd64.s). Kernels for CPUs with AVX512F:
//     14×16 float32 and 14×8 float64 tiles, one vector a row, each k step
//     one B load and fourteen FMAs taking their A value by embedded
//     broadcast (14 accumulators cover the FMA latency of two 512-bit
//     units). The driver, the packing and the blocking are the same code
//     on a 14-row tile; pure-Go twins of those tiles (goKernelS14,
//     goKernelD14) run the driver's tests everywhere, and the assembly is
//     tested on machines without AVX-512 by running its machine code, as
//     objdump decodes it from the test binary, in an emulator
//     (internal/x86emu) against the twins, and natively by the same tests
//     where the CPU has AVX-512. They are the default on such CPUs
//     ($EMBER_CPU_GEMM_KERNEL=avx2 keeps the AVX2 kernels: KernelEnv);
//     ColumnS keeps the 6×16 tile whichever kernel the products use.
//
//   - Blocking (driver.go). For products with more rows than one A block,
//     columns are taken nc at a time (B block in L3), depth kc at a time
//     (a kc×NR B panel stays in L1; kc = 256) and rows mc at a time (the A
//     block stays in L2). Each kc×nc block of B is packed once into NR-wide
//     panels, row by row so the hardware prefetcher follows the reads, and
//     shared by all workers. A is packed per block too when the block meets
//     many B panels (a packed panel is one contiguous stream; six rows read
//     in place, 4 KiB apart, run 5-10% slower), and read in place when it
//     meets few and has a unit stride, saving the copy. A large A stored
//     transposed (dYᵀ of a weight gradient dYᵀ·X: six adjacent values per
//     k step, steps a row of dY apart) is instead packed by the kernel
//     calls of the first B panel it meets (sgemmKernelPackAAVX2 copies each
//     k step's six values while it multiplies, and prefetches A into L2),
//     and the other panels read the packed copy: the first read of A from
//     memory overlaps the arithmetic, as it does in place, and the rest runs
//     at the packed speed (the LSTM's 1024×256 weight gradients of depth
//     2048: 45 → 70 GFLOP/s on one core, 72 → 105 on two).
//
//   - Short products (flat.go). When all rows fit one A block (m <= mc: the
//     forward and backward products of a mini-batch), no B panel is reused by
//     another A block, so nothing is packed ahead: each worker packs a few B
//     panels at a time into a buffer that stays in L2 and runs every row tile
//     over them, while the kernel calls prefetch the next few panels from
//     memory (otherwise the copy stalls on memory when B is large and m
//     small). With very few row tiles B is read in place.
//
//   - Orientation (orient.go). C = A·B is also Cᵀ = Bᵀ·Aᵀ; the driver takes
//     whichever a small cost model prefers, counting wasted lanes of edge
//     tiles, packing, and element-wise stores into a C whose rows are not
//     contiguous. A column-major C is thus computed as a row-major Cᵀ.
//
//   - Edges. Tiles past the edge of C are computed whole into a small buffer
//     and only their valid part is stored. Packed panels are zero-padded; the
//     last rows of an A read in place are instead covered by a whole panel
//     that reaches back over rows the full panels already cover, its top
//     rows dropped (panels.overlapEdge: no copy, and the kernel's fast loop
//     for rows read in place), unless A has fewer rows than a tile. An edge
//     of at most four rows runs a 4×16 kernel on the panel's last four rows
//     (sgemmKernel4AVX2: two thirds of a tile's work; stored straight into
//     C when all four are valid). beta == 0 never reads C, so NaN or
//     garbage in C does not leak, as BLAS requires.
//
//   - Threads. Work is split over internal/parallel's pool as tasks claimed
//     dynamically (about four per worker, none under ~10⁶ multiply-adds), so
//     a worker slowed by another process does not hold up the rest: the rows
//     of C in blocked products, where each fork-join computes one depth block
//     while packing the next B block into a second buffer (the packing tasks
//     come last and fill the tail); the columns or rows of C in short
//     products (one fork-join per product; a column task reads all of A, so
//     past 256 KiB of A there is one column task per worker); whole
//     products in a batch of small ones. Products under about 10⁶
//     multiply-adds run on the caller alone: waking a worker takes longer
//     than they do.
//
//   - Memory. Packing buffers are 64-byte aligned, kept in sync.Pools and
//     reused, and the drivers (with the closures they hand to the pool) are
//     pooled too, so a warm call allocates nothing of its own.
package gemm
