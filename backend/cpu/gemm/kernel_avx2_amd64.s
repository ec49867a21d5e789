//go:build !purego

#include "textflag.h"

// Register-blocked micro-kernels for AVX2+FMA.
//
// Both compute one MR×NR tile of C from a packed A micro-panel (MR values per
// k step) and a packed B micro-panel (NR values per k step):
//
//	C = alpha*acc + beta*C   (C not read when beta == ±0)
//
// C rows are rsc elements apart and each row is contiguous. The accumulators
// are Y4..Y15 (MR=6 rows × 2 vectors), Y0/Y1 hold the current B row and
// Y2/Y3 the broadcast A values.

// SSTEP does one k step of the float32 6×16 kernel; ao and bo are the byte
// offsets of this step in the A and B panels.
#define SSTEP(ao, bo) \
	VMOVUPS      bo(DI), Y0;     \
	VMOVUPS      bo+32(DI), Y1;  \
	VBROADCASTSS ao(SI), Y2;     \
	VFMADD231PS  Y0, Y2, Y4;     \
	VFMADD231PS  Y1, Y2, Y5;     \
	VBROADCASTSS ao+4(SI), Y3;   \
	VFMADD231PS  Y0, Y3, Y6;     \
	VFMADD231PS  Y1, Y3, Y7;     \
	VBROADCASTSS ao+8(SI), Y2;   \
	VFMADD231PS  Y0, Y2, Y8;     \
	VFMADD231PS  Y1, Y2, Y9;     \
	VBROADCASTSS ao+12(SI), Y3;  \
	VFMADD231PS  Y0, Y3, Y10;    \
	VFMADD231PS  Y1, Y3, Y11;    \
	VBROADCASTSS ao+16(SI), Y2;  \
	VFMADD231PS  Y0, Y2, Y12;    \
	VFMADD231PS  Y1, Y2, Y13;    \
	VBROADCASTSS ao+20(SI), Y3;  \
	VFMADD231PS  Y0, Y3, Y14;    \
	VFMADD231PS  Y1, Y3, Y15

// SROW stores one finished row pair (lo, hi) of accumulators at (DX),
// blending in beta*C when beta is held in Y1, then advances DX by one row.
#define SROWBETA(lo, hi) \
	VFMADD231PS (DX), Y1, lo;   \
	VFMADD231PS 32(DX), Y1, hi; \
	VMOVUPS     lo, (DX);       \
	VMOVUPS     hi, 32(DX);     \
	ADDQ        R8, DX

#define SROW(lo, hi) \
	VMOVUPS lo, (DX);   \
	VMOVUPS hi, 32(DX); \
	ADDQ    R8, DX

// func sgemmKernelAVX2(k int, a, b, c *float32, rsc int, alpha, beta float32)
TEXT ·sgemmKernelAVX2(SB), NOSPLIT, $0-48
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ rsc+32(FP), R8
	SHLQ $2, R8

	// Bring the C tile towards L1 while the products are computed.
	MOVQ       DX, R9
	PREFETCHT0 (R9)
	PREFETCHT0 60(R9)
	ADDQ       R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 60(R9)
	ADDQ       R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 60(R9)
	ADDQ       R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 60(R9)
	ADDQ       R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 60(R9)
	ADDQ       R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 60(R9)

	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15

	MOVQ CX, BX
	SHRQ $2, BX
	JZ   stail

sloop4:
	PREFETCHT0 512(DI)
	SSTEP(0, 0)
	SSTEP(24, 64)
	PREFETCHT0 640(DI)
	SSTEP(48, 128)
	SSTEP(72, 192)
	ADDQ $96, SI
	ADDQ $256, DI
	DECQ BX
	JNZ  sloop4

stail:
	ANDQ $3, CX
	JZ   sdone

sloop1:
	SSTEP(0, 0)
	ADDQ $24, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  sloop1

sdone:
	VBROADCASTSS alpha+40(FP), Y0
	VMULPS       Y0, Y4, Y4
	VMULPS       Y0, Y5, Y5
	VMULPS       Y0, Y6, Y6
	VMULPS       Y0, Y7, Y7
	VMULPS       Y0, Y8, Y8
	VMULPS       Y0, Y9, Y9
	VMULPS       Y0, Y10, Y10
	VMULPS       Y0, Y11, Y11
	VMULPS       Y0, Y12, Y12
	VMULPS       Y0, Y13, Y13
	VMULPS       Y0, Y14, Y14
	VMULPS       Y0, Y15, Y15

	MOVL  beta+44(FP), AX
	TESTL $0x7fffffff, AX
	JZ    sstore

	VBROADCASTSS beta+44(FP), Y1
	SROWBETA(Y4, Y5)
	SROWBETA(Y6, Y7)
	SROWBETA(Y8, Y9)
	SROWBETA(Y10, Y11)
	SROWBETA(Y12, Y13)
	SROWBETA(Y14, Y15)
	VZEROUPPER
	RET

sstore:
	SROW(Y4, Y5)
	SROW(Y6, Y7)
	SROW(Y8, Y9)
	SROW(Y10, Y11)
	SROW(Y12, Y13)
	SROW(Y14, Y15)
	VZEROUPPER
	RET

// DSTEP does one k step of the float64 6×8 kernel.
#define DSTEP(ao, bo) \
	VMOVUPD      bo(DI), Y0;     \
	VMOVUPD      bo+32(DI), Y1;  \
	VBROADCASTSD ao(SI), Y2;     \
	VFMADD231PD  Y0, Y2, Y4;     \
	VFMADD231PD  Y1, Y2, Y5;     \
	VBROADCASTSD ao+8(SI), Y3;   \
	VFMADD231PD  Y0, Y3, Y6;     \
	VFMADD231PD  Y1, Y3, Y7;     \
	VBROADCASTSD ao+16(SI), Y2;  \
	VFMADD231PD  Y0, Y2, Y8;     \
	VFMADD231PD  Y1, Y2, Y9;     \
	VBROADCASTSD ao+24(SI), Y3;  \
	VFMADD231PD  Y0, Y3, Y10;    \
	VFMADD231PD  Y1, Y3, Y11;    \
	VBROADCASTSD ao+32(SI), Y2;  \
	VFMADD231PD  Y0, Y2, Y12;    \
	VFMADD231PD  Y1, Y2, Y13;    \
	VBROADCASTSD ao+40(SI), Y3;  \
	VFMADD231PD  Y0, Y3, Y14;    \
	VFMADD231PD  Y1, Y3, Y15

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

// func dgemmKernelAVX2(k int, a, b, c *float64, rsc int, alpha, beta float64)
TEXT ·dgemmKernelAVX2(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ rsc+32(FP), R8
	SHLQ $3, R8

	MOVQ       DX, R9
	PREFETCHT0 (R9)
	PREFETCHT0 56(R9)
	ADDQ       R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 56(R9)
	ADDQ       R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 56(R9)
	ADDQ       R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 56(R9)
	ADDQ       R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 56(R9)
	ADDQ       R8, R9
	PREFETCHT0 (R9)
	PREFETCHT0 56(R9)

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

dloop4:
	PREFETCHT0 512(DI)
	DSTEP(0, 0)
	DSTEP(48, 64)
	PREFETCHT0 640(DI)
	DSTEP(96, 128)
	DSTEP(144, 192)
	ADDQ $192, SI
	ADDQ $256, DI
	DECQ BX
	JNZ  dloop4

dtail:
	ANDQ $3, CX
	JZ   ddone

dloop1:
	DSTEP(0, 0)
	ADDQ $48, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  dloop1

ddone:
	VBROADCASTSD alpha+40(FP), Y0
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

	MOVQ beta+48(FP), AX
	SHLQ $1, AX
	JZ   dstore

	VBROADCASTSD beta+48(FP), Y1
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
