//go:build !purego

#include "textflag.h"

// Register-blocked micro-kernels for AVX2+FMA.
//
// Each computes MR×NR tiles of C = alpha*A*B + beta*C (C is not read when
// beta == ±0): the float32 column kernel a column of them, the packing
// kernel and the float64 kernel one; where element (r,p) of A is at a + r*rsa + p*csa and element
// (p,j) of B at b + p*rsb + j: A and B may be packed panels or the caller's
// matrices read in place. C rows are rsc elements apart, each contiguous.
//
// Registers: SI/DI walk A and B; R10 = rsa, R11 = 3*rsa, R12 = 5*rsa,
// R13 = csa, R14 = rsb, R8 = rsc (all in bytes); DX is C. The accumulators
// are Y4..Y15 (MR=6 rows × 2 vectors), Y0/Y1 hold the current B row and
// Y2/Y3 the broadcast A values.

// SSTEP4 is the first part of a float32 k step: the B row into Y0/Y1 and
// the four first rows of A multiplied into Y4..Y11.
#define SSTEP4 \
	VMOVUPS      (DI), Y0;        \
	VMOVUPS      32(DI), Y1;      \
	VBROADCASTSS (SI), Y2;        \
	VFMADD231PS  Y0, Y2, Y4;      \
	VFMADD231PS  Y1, Y2, Y5;      \
	VBROADCASTSS (SI)(R10*1), Y3; \
	VFMADD231PS  Y0, Y3, Y6;      \
	VFMADD231PS  Y1, Y3, Y7;      \
	VBROADCASTSS (SI)(R10*2), Y2; \
	VFMADD231PS  Y0, Y2, Y8;      \
	VFMADD231PS  Y1, Y2, Y9;      \
	VBROADCASTSS (SI)(R11*1), Y3; \
	VFMADD231PS  Y0, Y3, Y10;     \
	VFMADD231PS  Y1, Y3, Y11

// SSTEP does one k step of the float32 6×16 kernel.
#define SSTEP \
	SSTEP4;                       \
	VBROADCASTSS (SI)(R10*4), Y2; \
	VFMADD231PS  Y0, Y2, Y12;     \
	VFMADD231PS  Y1, Y2, Y13;     \
	VBROADCASTSS (SI)(R12*1), Y3; \
	VFMADD231PS  Y0, Y3, Y14;     \
	VFMADD231PS  Y1, Y3, Y15;     \
	ADDQ         R13, SI;         \
	ADDQ         R14, DI

// CPFTILES is how many tiles of a column prefetch the next B panel.
#define CPFTILES 4

// STEPO(BCAST, FMA, ao, bo) is a k step of a 6-row kernel with its pointer
// steps left to the loop, for a packed B panel (two vectors a k step) and
// an A whose k steps are a fixed distance apart (a packed panel, or rows
// read in place): the group's k step reads A at byte offset ao and B at bo
// from SI and DI, which the loop advances once per group of four steps.
// BCAST and FMA are the element type's broadcast and multiply-add.
#define STEPO(BCAST, FMA, ao, bo) \
	VMOVUPS bo(DI), Y0;        \
	VMOVUPS bo+32(DI), Y1;     \
	BCAST   ao(SI), Y2;        \
	FMA     Y0, Y2, Y4;        \
	FMA     Y1, Y2, Y5;        \
	BCAST   ao(SI)(R10*1), Y3; \
	FMA     Y0, Y3, Y6;        \
	FMA     Y1, Y3, Y7;        \
	BCAST   ao(SI)(R10*2), Y2; \
	FMA     Y0, Y2, Y8;        \
	FMA     Y1, Y2, Y9;        \
	BCAST   ao(SI)(R11*1), Y3; \
	FMA     Y0, Y3, Y10;       \
	FMA     Y1, Y3, Y11;       \
	BCAST   ao(SI)(R10*4), Y2; \
	FMA     Y0, Y2, Y12;       \
	FMA     Y1, Y2, Y13;       \
	BCAST   ao(SI)(R12*1), Y3; \
	FMA     Y0, Y3, Y14;       \
	FMA     Y1, Y3, Y15

// SSTEPO and DSTEPO are STEPO for float32 (rsb = 16, csa = 6 or 1) and
// float64 (rsb = 8, csa = 6 or 1).
#define SSTEPO(ao, bo) STEPO(VBROADCASTSS, VFMADD231PS, ao, bo)
#define DSTEPO(ao, bo) STEPO(VBROADCASTSD, VFMADD231PD, ao, bo)

// SROWBETA stores one finished row pair (lo, hi) of accumulators at (DX),
// blending in beta*C with beta held in Y1, then advances DX by one row.
#define SROWBETA(lo, hi) \
	VFMADD231PS (DX), Y1, lo;   \
	VFMADD231PS 32(DX), Y1, hi; \
	VMOVUPS     lo, (DX);       \
	VMOVUPS     hi, 32(DX);     \
	ADDQ        R8, DX

// SROW stores one finished row pair without reading C.
#define SROW(lo, hi) \
	VMOVUPS lo, (DX);   \
	VMOVUPS hi, 32(DX); \
	ADDQ    R8, DX

// PREFETCHC touches the two cache lines of each of the 6 rows of C at DX,
// with r as scratch.
#define PREFETCHC(last, r) \
	MOVQ       DX, r;   \
	PREFETCHT0 (r);     \
	PREFETCHT0 last(r); \
	ADDQ       R8, r;   \
	PREFETCHT0 (r);     \
	PREFETCHT0 last(r); \
	ADDQ       R8, r;   \
	PREFETCHT0 (r);     \
	PREFETCHT0 last(r); \
	ADDQ       R8, r;   \
	PREFETCHT0 (r);     \
	PREFETCHT0 last(r); \
	ADDQ       R8, r;   \
	PREFETCHT0 (r);     \
	PREFETCHT0 last(r); \
	ADDQ       R8, r;   \
	PREFETCHT0 (r);     \
	PREFETCHT0 last(r)

// LOADARGS loads the common arguments and scales the strides to bytes.
#define LOADARGS(shift) \
	MOVQ k+0(FP), CX;       \
	MOVQ a+8(FP), SI;       \
	MOVQ rsa+16(FP), R10;   \
	MOVQ csa+24(FP), R13;   \
	MOVQ b+32(FP), DI;      \
	MOVQ rsb+40(FP), R14;   \
	MOVQ c+48(FP), DX;      \
	MOVQ rsc+56(FP), R8;    \
	SHLQ $shift, R10;       \
	SHLQ $shift, R13;       \
	SHLQ $shift, R14;       \
	SHLQ $shift, R8;        \
	LEAQ (R10)(R10*2), R11; \
	LEAQ (R10)(R10*4), R12

// SZERO4 clears the accumulators of the first four rows (Y4..Y11).
#define SZERO4 \
	VXORPS Y4, Y4, Y4;    \
	VXORPS Y5, Y5, Y5;    \
	VXORPS Y6, Y6, Y6;    \
	VXORPS Y7, Y7, Y7;    \
	VXORPS Y8, Y8, Y8;    \
	VXORPS Y9, Y9, Y9;    \
	VXORPS Y10, Y10, Y10; \
	VXORPS Y11, Y11, Y11

// SZERO clears the twelve accumulators.
#define SZERO \
	SZERO4;               \
	VXORPS Y12, Y12, Y12; \
	VXORPS Y13, Y13, Y13; \
	VXORPS Y14, Y14, Y14; \
	VXORPS Y15, Y15, Y15

// SSCALE4 multiplies the first four rows' accumulators by alpha (held
// in Y0 after it).
#define SSCALE4 \
	VBROADCASTSS alpha+64(FP), Y0; \
	VMULPS       Y0, Y4, Y4;       \
	VMULPS       Y0, Y5, Y5;       \
	VMULPS       Y0, Y6, Y6;       \
	VMULPS       Y0, Y7, Y7;       \
	VMULPS       Y0, Y8, Y8;       \
	VMULPS       Y0, Y9, Y9;       \
	VMULPS       Y0, Y10, Y10;     \
	VMULPS       Y0, Y11, Y11

// SSCALE multiplies the accumulators by alpha.
#define SSCALE \
	SSCALE4;                       \
	VMULPS       Y0, Y12, Y12;     \
	VMULPS       Y0, Y13, Y13;     \
	VMULPS       Y0, Y14, Y14;     \
	VMULPS       Y0, Y15, Y15

// SSTOREBETA stores the tile blending in beta*C (beta held in Y1).
#define SSTOREBETA \
	VBROADCASTSS beta+68(FP), Y1; \
	SROWBETA(Y4, Y5);             \
	SROWBETA(Y6, Y7);             \
	SROWBETA(Y8, Y9);             \
	SROWBETA(Y10, Y11);           \
	SROWBETA(Y12, Y13);           \
	SROWBETA(Y14, Y15)

// SSTORE stores the tile without reading C.
#define SSTORE \
	SROW(Y4, Y5);   \
	SROW(Y6, Y7);   \
	SROW(Y8, Y9);   \
	SROW(Y10, Y11); \
	SROW(Y12, Y13); \
	SROW(Y14, Y15)

// SBIAS adds the 16 column values at AX (a bias row) to every row of the
// tile.
#define SBIAS \
	VMOVUPS (AX), Y0;    \
	VMOVUPS 32(AX), Y1;  \
	VADDPS  Y0, Y4, Y4;  \
	VADDPS  Y1, Y5, Y5;  \
	VADDPS  Y0, Y6, Y6;  \
	VADDPS  Y1, Y7, Y7;  \
	VADDPS  Y0, Y8, Y8;  \
	VADDPS  Y1, Y9, Y9;  \
	VADDPS  Y0, Y10, Y10; \
	VADDPS  Y1, Y11, Y11; \
	VADDPS  Y0, Y12, Y12; \
	VADDPS  Y1, Y13, Y13; \
	VADDPS  Y0, Y14, Y14; \
	VADDPS  Y1, Y15, Y15

// func sgemmColumnAVX2(k int, a *float32, rsa, csa int, b *float32, rsb int, c *float32, rsc int, alpha, beta float32, tiles, astep int, bias *float32)
//
// The float32 6×16 kernel for `tiles` tiles down a column of C: tile t reads A
// from a + t*astep and writes the 6 rows of C from c + 6*t*rsc, all with
// the same B panel (see kernel.fnCol). tiles must be at least 1. With a
// bias (not nil) the tiles are alpha*A*B + bias, the 16 values at bias
// added to every row, and C is not read (beta is ignored).
TEXT ·sgemmColumnAVX2(SB), NOSPLIT, $8-96
	LOADARGS(2)
	// A packed B's next panel follows this one: R9 walks it, prefetching
	// it into L2 during the first CPFTILES tiles (k/4 lines each, so the
	// whole panel), for the next call, whose first tile would otherwise
	// read it from L3. pfstop is the tile count left at which to stop;
	// a column of fewer tiles (an edge tile's call) prefetches nothing.
	MOVQ  CX, R9
	IMULQ R14, R9
	ADDQ  DI, R9
	MOVQ  tiles+72(FP), AX
	SUBQ  $CPFTILES, AX
	JGE   cpfset
	MOVQ  tiles+72(FP), AX

cpfset:
	MOVQ AX, pfstop-8(SP)

ccol:
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+32(FP), DI
	PREFETCHC(60, AX)
	SZERO

	MOVQ CX, BX
	SHRQ $2, BX
	JZ   ctail

	// A packed B panel takes a loop with fixed offsets when A's k steps
	// are 24 bytes (a packed panel) or 4 bytes (rows read in place) apart:
	// no pointer steps or prefetches between the k steps, 5-7% faster
	// with the panels in L1.
	CMPQ R14, $64
	JNE  cloop4
	CMPQ R13, $4
	JEQ  cloop4r
	CMPQ R13, $24
	JNE  cloop4
	MOVQ tiles+72(FP), AX
	CMPQ AX, pfstop-8(SP)
	JLE  cloop4p

cloop4pf:
	PREFETCHT1 (R9)
	SSTEPO(0, 0)
	SSTEPO(24, 64)
	SSTEPO(48, 128)
	SSTEPO(72, 192)
	ADDQ $64, R9
	ADDQ $96, SI
	ADDQ $256, DI
	DECQ BX
	JNZ  cloop4pf
	JMP  ctail

cloop4p:
	SSTEPO(0, 0)
	SSTEPO(24, 64)
	SSTEPO(48, 128)
	SSTEPO(72, 192)
	ADDQ $96, SI
	ADDQ $256, DI
	DECQ BX
	JNZ  cloop4p
	JMP  ctail

cloop4r:
	SSTEPO(0, 0)
	SSTEPO(4, 64)
	SSTEPO(8, 128)
	SSTEPO(12, 192)
	ADDQ $16, SI
	ADDQ $256, DI
	DECQ BX
	JNZ  cloop4r
	JMP  ctail

cloop4:
	PREFETCHT0 (DI)(R14*8)
	SSTEP
	SSTEP
	PREFETCHT0 (DI)(R14*8)
	SSTEP
	SSTEP
	DECQ BX
	JNZ  cloop4

ctail:
	ANDQ $3, CX
	JZ   cdone

cloop1:
	SSTEP
	DECQ CX
	JNZ  cloop1

cdone:
	SSCALE
	MOVQ  bias+88(FP), AX
	TESTQ AX, AX
	JNZ   cbias
	MOVL  beta+68(FP), AX
	TESTL $0x7fffffff, AX
	JZ    cstore
	SSTOREBETA
	JMP   cnext

cbias:
	SBIAS

cstore:
	SSTORE

cnext:
	// DX has passed the tile's 6 rows: it is the next tile's C.
	MOVQ astep+80(FP), AX
	SHLQ $2, AX
	ADDQ AX, a+8(FP)
	DECQ tiles+72(FP)
	JNZ  ccol
	VZEROUPPER
	RET


// S4STEP does one k step of the float32 4×16 kernel (accumulators Y4..Y11).
#define S4STEP \
	SSTEP4;               \
	ADDQ         R13, SI; \
	ADDQ         R14, DI

// func sgemmKernel4AVX2(k int, a *float32, rsa, csa int, b *float32, rsb int, c *float32, rsc int, alpha, beta float32)
//
// The float32 kernel for one 4×16 tile (the 6×16 kernel's arithmetic on
// four rows, element for element the same operations): an edge of at
// most four rows costs two thirds of a whole tile.
TEXT ·sgemmKernel4AVX2(SB), NOSPLIT, $0-72
	LOADARGS(2)
	SZERO4
	MOVQ   CX, BX
	SHRQ   $2, BX
	JZ     k4tail

k4loop:
	S4STEP
	S4STEP
	S4STEP
	S4STEP
	DECQ BX
	JNZ  k4loop

k4tail:
	ANDQ $3, CX
	JZ   k4done

k4one:
	S4STEP
	DECQ CX
	JNZ  k4one

k4done:
	SSCALE4
	MOVL         beta+68(FP), AX
	TESTL        $0x7fffffff, AX
	JZ           k4store
	VBROADCASTSS beta+68(FP), Y1
	SROWBETA(Y4, Y5)
	SROWBETA(Y6, Y7)
	SROWBETA(Y8, Y9)
	SROWBETA(Y10, Y11)
	VZEROUPPER
	RET

k4store:
	SROW(Y4, Y5)
	SROW(Y6, Y7)
	SROW(Y8, Y9)
	SROW(Y10, Y11)
	VZEROUPPER
	RET

// SPSTEP does one k step of the float32 6×16 kernel for an A whose six rows
// are adjacent (rsa = 1), first copying them to the packed panel at AX.
#define SPSTEP \
	PREFETCHT1   (R9);           \
	ADDQ         R13, R9;        \
	VMOVUPS      (SI), X2;       \
	VMOVSD       16(SI), X3;     \
	VMOVUPS      X2, (AX);       \
	VMOVSD       X3, 16(AX);     \
	ADDQ         $24, AX;        \
	VMOVUPS      (DI), Y0;       \
	VMOVUPS      32(DI), Y1;     \
	VBROADCASTSS (SI), Y2;       \
	VFMADD231PS  Y0, Y2, Y4;     \
	VFMADD231PS  Y1, Y2, Y5;     \
	VBROADCASTSS 4(SI), Y3;      \
	VFMADD231PS  Y0, Y3, Y6;     \
	VFMADD231PS  Y1, Y3, Y7;     \
	VBROADCASTSS 8(SI), Y2;      \
	VFMADD231PS  Y0, Y2, Y8;     \
	VFMADD231PS  Y1, Y2, Y9;     \
	VBROADCASTSS 12(SI), Y3;     \
	VFMADD231PS  Y0, Y3, Y10;    \
	VFMADD231PS  Y1, Y3, Y11;    \
	VBROADCASTSS 16(SI), Y2;     \
	VFMADD231PS  Y0, Y2, Y12;    \
	VFMADD231PS  Y1, Y2, Y13;    \
	VBROADCASTSS 20(SI), Y3;     \
	VFMADD231PS  Y0, Y3, Y14;    \
	VFMADD231PS  Y1, Y3, Y15;    \
	ADDQ         R13, SI;        \
	ADDQ         R14, DI

// PDISTLOG is log2 of how many k steps ahead sgemmKernelPackAAVX2
// prefetches A.
#define PDISTLOG 5

// func sgemmKernelPackAAVX2(k int, a *float32, rsa, csa int, b *float32, rsb int, c *float32, rsc int, alpha, beta float32, dst *float32)
//
// The 6×16 kernel for an A read in place whose rows are adjacent (rsa must
// be 1): it also copies the A panel it reads, packed (6 per k step), to dst.
TEXT ·sgemmKernelPackAAVX2(SB), NOSPLIT, $0-80
	LOADARGS(2)
	MOVQ dst+72(FP), AX
	PREFETCHC(60, R9)
	SZERO

	// R9 runs 1<<PDISTLOG k steps ahead of SI, prefetching A's lines into
	// L2 (this kernel is usually A's first reader, and its k steps are far
	// apart: without it the calls wait on L3; into L1 it gains nothing
	// more, and A's lines there are evicted by set conflicts anyway).
	MOVQ R13, R9
	SHLQ $PDISTLOG, R9
	ADDQ SI, R9

	MOVQ CX, BX
	SHRQ $2, BX
	JZ   ptail

ploop4:
	PREFETCHT0 (DI)(R14*8)
	SPSTEP
	SPSTEP
	PREFETCHT0 (DI)(R14*8)
	SPSTEP
	SPSTEP
	DECQ BX
	JNZ  ploop4

ptail:
	ANDQ $3, CX
	JZ   pdone

ploop1:
	SPSTEP
	DECQ CX
	JNZ  ploop1

pdone:
	SSCALE
	MOVL  beta+68(FP), AX
	TESTL $0x7fffffff, AX
	JZ    pstore
	SSTOREBETA
	VZEROUPPER
	RET

pstore:
	SSTORE
	VZEROUPPER
	RET

// DSTEP does one k step of the float64 6×8 kernel.
#define DSTEP \
	VMOVUPD      (DI), Y0;        \
	VMOVUPD      32(DI), Y1;      \
	VBROADCASTSD (SI), Y2;        \
	VFMADD231PD  Y0, Y2, Y4;      \
	VFMADD231PD  Y1, Y2, Y5;      \
	VBROADCASTSD (SI)(R10*1), Y3; \
	VFMADD231PD  Y0, Y3, Y6;      \
	VFMADD231PD  Y1, Y3, Y7;      \
	VBROADCASTSD (SI)(R10*2), Y2; \
	VFMADD231PD  Y0, Y2, Y8;      \
	VFMADD231PD  Y1, Y2, Y9;      \
	VBROADCASTSD (SI)(R11*1), Y3; \
	VFMADD231PD  Y0, Y3, Y10;     \
	VFMADD231PD  Y1, Y3, Y11;     \
	VBROADCASTSD (SI)(R10*4), Y2; \
	VFMADD231PD  Y0, Y2, Y12;     \
	VFMADD231PD  Y1, Y2, Y13;     \
	VBROADCASTSD (SI)(R12*1), Y3; \
	VFMADD231PD  Y0, Y3, Y14;     \
	VFMADD231PD  Y1, Y3, Y15;     \
	ADDQ         R13, SI;         \
	ADDQ         R14, DI

#define DROWBETA(lo, hi) \
	VFMADD231PD (DX), Y1, lo;   \
	VFMADD231PD 32(DX), Y1, hi; \
	VMOVUPD     lo, (DX);       \
	VMOVUPD     hi, 32(DX);     \
	ADDQ        R8, DX

#define DROW(lo, hi) \
	VMOVUPD lo, (DX);   \
	VMOVUPD hi, 32(DX); \
	ADDQ    R8, DX

// func dgemmKernelAVX2(k int, a *float64, rsa, csa int, b *float64, rsb int, c *float64, rsc int, alpha, beta float64)
TEXT ·dgemmKernelAVX2(SB), NOSPLIT, $0-80
	LOADARGS(3)
	PREFETCHC(56, R9)

	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11
	VXORPD Y12, Y12, Y12
	VXORPD Y13, Y13, Y13
	VXORPD Y14, Y14, Y14
	VXORPD Y15, Y15, Y15

	MOVQ CX, BX
	SHRQ $2, BX
	JZ   dtail

	// Fixed offsets for a packed B with A packed (csa = 6) or read by
	// rows (csa = 1), as in the float32 column kernel.
	CMPQ R14, $64
	JNE  dloop4
	CMPQ R13, $48
	JEQ  dloop4p
	CMPQ R13, $8
	JEQ  dloop4r
	JMP  dloop4

dloop4p:
	DSTEPO(0, 0)
	DSTEPO(48, 64)
	DSTEPO(96, 128)
	DSTEPO(144, 192)
	ADDQ $192, SI
	ADDQ $256, DI
	DECQ BX
	JNZ  dloop4p
	JMP  dtail

dloop4r:
	DSTEPO(0, 0)
	DSTEPO(8, 64)
	DSTEPO(16, 128)
	DSTEPO(24, 192)
	ADDQ $32, SI
	ADDQ $256, DI
	DECQ BX
	JNZ  dloop4r
	JMP  dtail

dloop4:
	PREFETCHT0 (DI)(R14*8)
	DSTEP
	DSTEP
	PREFETCHT0 (DI)(R14*8)
	DSTEP
	DSTEP
	DECQ BX
	JNZ  dloop4

dtail:
	ANDQ $3, CX
	JZ   ddone

dloop1:
	DSTEP
	DECQ CX
	JNZ  dloop1

ddone:
	VBROADCASTSD alpha+64(FP), Y0
	VMULPD       Y0, Y4, Y4
	VMULPD       Y0, Y5, Y5
	VMULPD       Y0, Y6, Y6
	VMULPD       Y0, Y7, Y7
	VMULPD       Y0, Y8, Y8
	VMULPD       Y0, Y9, Y9
	VMULPD       Y0, Y10, Y10
	VMULPD       Y0, Y11, Y11
	VMULPD       Y0, Y12, Y12
	VMULPD       Y0, Y13, Y13
	VMULPD       Y0, Y14, Y14
	VMULPD       Y0, Y15, Y15

	MOVQ beta+72(FP), AX
	SHLQ $1, AX
	JZ   dstore

	VBROADCASTSD beta+72(FP), Y1
	DROWBETA(Y4, Y5)
	DROWBETA(Y6, Y7)
	DROWBETA(Y8, Y9)
	DROWBETA(Y10, Y11)
	DROWBETA(Y12, Y13)
	DROWBETA(Y14, Y15)
	VZEROUPPER
	RET

dstore:
	DROW(Y4, Y5)
	DROW(Y6, Y7)
	DROW(Y8, Y9)
	DROW(Y10, Y11)
	DROW(Y12, Y13)
	DROW(Y14, Y15)
	VZEROUPPER
	RET
