//go:build !purego

#include "textflag.h"

// Micro-kernels of the implicit-GEMM convolution for AVX2+FMA (see
// conv_kernel.go for their contracts).

// TSTEP does one tap of the 6×16 tile kernel: the 16 image values of the
// tap (two vectors at DI + 4*off[t]) times the tap's 6 packed weights. R9
// walks the offset table and SI the weights; od and ad are the step's
// displacements into them.
#define TSTEP(od, ad) \
	MOVLQSX      od(R9), R10;          \
	VMOVUPS      (DI)(R10*4), Y0;      \
	VMOVUPS      32(DI)(R10*4), Y1;    \
	VBROADCASTSS ad(SI), Y2;           \
	VFMADD231PS  Y0, Y2, Y4;           \
	VFMADD231PS  Y1, Y2, Y5;           \
	VBROADCASTSS (ad+4)(SI), Y3;       \
	VFMADD231PS  Y0, Y3, Y6;           \
	VFMADD231PS  Y1, Y3, Y7;           \
	VBROADCASTSS (ad+8)(SI), Y2;       \
	VFMADD231PS  Y0, Y2, Y8;           \
	VFMADD231PS  Y1, Y2, Y9;           \
	VBROADCASTSS (ad+12)(SI), Y3;      \
	VFMADD231PS  Y0, Y3, Y10;          \
	VFMADD231PS  Y1, Y3, Y11;          \
	VBROADCASTSS (ad+16)(SI), Y2;      \
	VFMADD231PS  Y0, Y2, Y12;          \
	VFMADD231PS  Y1, Y2, Y13;          \
	VBROADCASTSS (ad+20)(SI), Y3;      \
	VFMADD231PS  Y0, Y3, Y14;          \
	VFMADD231PS  Y1, Y3, Y15

// TROW stores one row pair of accumulators at DX and moves DX down a row.
#define TROW(lo, hi) \
	VMOVUPS lo, (DX);   \
	VMOVUPS hi, 32(DX); \
	ADDQ    R8, DX

// func convTileAVX2(k int, a, b *float32, off *int32, c *float32, ldc int, bias *float32)
TEXT ·convTileAVX2(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ off+24(FP), R9
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R8
	SHLQ $2, R8
	MOVQ bias+48(FP), AX

	// Each row's sums start from its bias.
	VBROADCASTSS 0(AX), Y4
	VMOVAPS      Y4, Y5
	VBROADCASTSS 4(AX), Y6
	VMOVAPS      Y6, Y7
	VBROADCASTSS 8(AX), Y8
	VMOVAPS      Y8, Y9
	VBROADCASTSS 12(AX), Y10
	VMOVAPS      Y10, Y11
	VBROADCASTSS 16(AX), Y12
	VMOVAPS      Y12, Y13
	VBROADCASTSS 20(AX), Y14
	VMOVAPS      Y14, Y15

	MOVQ CX, BX
	SHRQ $1, BX
	JZ   ttail

tloop2:
	TSTEP(0, 0)
	TSTEP(4, 24)
	ADDQ $8, R9
	ADDQ $48, SI
	DECQ BX
	JNZ  tloop2

ttail:
	ANDQ $1, CX
	JZ   tstore
	TSTEP(0, 0)

tstore:
	TROW(Y4, Y5)
	TROW(Y6, Y7)
	TROW(Y8, Y9)
	TROW(Y10, Y11)
	TROW(Y12, Y13)
	TROW(Y14, Y15)
	VZEROUPPER
	RET

// DROW multiplies the current vector of one gradient row (at ptr) by the
// three image vectors Y0..Y2 into the row's accumulators.
#define DROW(ptr, c0, c1, c2) \
	VMOVUPS     (ptr)(SI*1), Y3; \
	VFMADD231PS Y3, Y0, c0;      \
	VFMADD231PS Y3, Y1, c1;      \
	VFMADD231PS Y3, Y2, c2

// DROWM is DROW for the last, partial vector: lanes past the row's end are
// cleared with the mask at R14, so whatever lies there never reaches C.
#define DROWM(ptr, c0, c1, c2) \
	VMOVUPS     (ptr)(SI*1), Y3; \
	VANDPS      (R14), Y3, Y3;   \
	VFMADD231PS Y3, Y0, c0;      \
	VFMADD231PS Y3, Y1, c1;      \
	VFMADD231PS Y3, Y2, c2

// DSUM adds the horizontal sums of four accumulators (one column of the
// tile: rows 0..3) to the four floats at DX, then moves DX down a row of C.
#define DSUM(r0, r1, r2, r3, x0) \
	VHADDPS      r1, r0, r0;  \
	VHADDPS      r3, r2, r2;  \
	VHADDPS      r2, r0, r0;  \
	VEXTRACTF128 $1, r0, X0;  \
	VADDPS       X0, x0, X0;  \
	VADDPS       (DX), X0, X0; \
	VMOVUPS      X0, (DX);    \
	ADDQ         R14, DX

// func convDotAVX2(nimg, n int, a *float32, lda, sa int, b *float32, off *[3]int32, sb int, c *float32, ldc int, mask *uint32)
//
// Registers: AX and DX are image m's gradient rows and planes; R8..R11 the
// four gradient rows, R12, R13 and BX the three tap rows, SI the byte
// offset of the current vector in all of them; the accumulator of row i,
// column j is Y(4+3i+j).
TEXT ·convDotAVX2(SB), NOSPLIT, $0-88
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

	MOVQ  nimg+0(FP), DI
	TESTQ DI, DI
	JZ    dreduce
	MOVQ  a+16(FP), AX
	MOVQ  b+40(FP), DX

dimage:
	MOVQ    lda+24(FP), R14
	SHLQ    $2, R14
	MOVQ    AX, R8
	LEAQ    (R8)(R14*1), R9
	LEAQ    (R9)(R14*1), R10
	LEAQ    (R10)(R14*1), R11
	MOVQ    off+48(FP), R14
	MOVLQSX 0(R14), R12
	MOVLQSX 4(R14), R13
	MOVLQSX 8(R14), BX
	LEAQ    (DX)(R12*4), R12
	LEAQ    (DX)(R13*4), R13
	LEAQ    (DX)(BX*4), BX
	XORQ    SI, SI
	MOVQ    n+8(FP), CX
	SHRQ    $3, CX
	JZ      dtail

dloop:
	VMOVUPS (R12)(SI*1), Y0
	VMOVUPS (R13)(SI*1), Y1
	VMOVUPS (BX)(SI*1), Y2
	DROW(R8, Y4, Y5, Y6)
	DROW(R9, Y7, Y8, Y9)
	DROW(R10, Y10, Y11, Y12)
	DROW(R11, Y13, Y14, Y15)
	ADDQ    $32, SI
	DECQ    CX
	JNZ     dloop

dtail:
	MOVQ    n+8(FP), CX
	ANDQ    $7, CX
	JZ      dnext
	MOVQ    mask+80(FP), R14
	VMOVUPS (R12)(SI*1), Y0
	VANDPS  (R14), Y0, Y0
	VMOVUPS (R13)(SI*1), Y1
	VANDPS  (R14), Y1, Y1
	VMOVUPS (BX)(SI*1), Y2
	VANDPS  (R14), Y2, Y2
	DROWM(R8, Y4, Y5, Y6)
	DROWM(R9, Y7, Y8, Y9)
	DROWM(R10, Y10, Y11, Y12)
	DROWM(R11, Y13, Y14, Y15)

dnext:
	MOVQ sa+32(FP), R14
	SHLQ $2, R14
	ADDQ R14, AX
	MOVQ sb+56(FP), R14
	SHLQ $2, R14
	ADDQ R14, DX
	DECQ DI
	JNZ  dimage

dreduce:
	MOVQ c+64(FP), DX
	MOVQ ldc+72(FP), R14
	SHLQ $2, R14
	DSUM(Y4, Y7, Y10, Y13, X4)
	DSUM(Y5, Y8, Y11, Y14, X5)
	DSUM(Y6, Y9, Y12, Y15, X6)
	VZEROUPPER
	RET

// Positions 2·ox of the eight outputs of a vector, as int64.
DATA poolRamp<>+0(SB)/8, $0
DATA poolRamp<>+8(SB)/8, $2
DATA poolRamp<>+16(SB)/8, $4
DATA poolRamp<>+24(SB)/8, $6
DATA poolRamp<>+32(SB)/8, $8
DATA poolRamp<>+40(SB)/8, $10
DATA poolRamp<>+48(SB)/8, $12
DATA poolRamp<>+56(SB)/8, $14
GLOBL poolRamp<>(SB), RODATA|NOPTR, $64

// PTAKE takes tap v where it beats the running maximum Y2 (v > Y2, or v is
// NaN), and its code (an int32 vector) into the selected codes Y6.
#define PTAKE(v, code) \
	VCMPPS    $0x1e, Y2, v, Y7;  \
	VCMPPS    $3, v, v, Y8;      \
	VORPS     Y8, Y7, Y7;        \
	VBLENDVPS Y7, v, Y2, Y2;     \
	VBLENDVPS Y7, code, Y6, Y6

// PSPLIT splits the 16 floats at ptr into their even (ev) and odd (od)
// elements, in order.
#define PSPLIT(ptr, ev, od) \
	VMOVUPS (ptr), Y0;            \
	VMOVUPS 32(ptr), Y1;          \
	VSHUFPS $0x88, Y1, Y0, ev;    \
	VSHUFPS $0xdd, Y1, Y0, od;    \
	VPERMPD $0xd8, ev, ev;        \
	VPERMPD $0xd8, od, od

// PSPLITM is PSPLIT for the last, partial vector of a row: the two loads
// are masked by Y9 and Y15 (lanes off the row read as zero, never touching
// memory).
#define PSPLITM(ptr, ev, od) \
	VMASKMOVPS (ptr), Y9, Y0;     \
	VMASKMOVPS 32(ptr), Y15, Y1;  \
	VSHUFPS    $0x88, Y1, Y0, ev; \
	VSHUFPS    $0xdd, Y1, Y0, od; \
	VPERMPD    $0xd8, ev, ev;     \
	VPERMPD    $0xd8, od, od

// PMAX computes the window maxima of the split taps Y2..Y5 into Y2 and
// their indices into Y7 (lanes 0-3) and Y8 (4-7).
#define PMAX \
	VPXOR        Y6, Y6, Y6;  \
	PTAKE(Y3, Y12);           \
	PTAKE(Y4, Y13);           \
	PTAKE(Y5, Y14);           \
	VPMOVSXDQ    X6, Y7;      \
	VEXTRACTI128 $1, Y6, X8;  \
	VPMOVSXDQ    X8, Y8;      \
	VPADDQ       Y10, Y7, Y7; \
	VPADDQ       Y11, Y8, Y8

// Lane masks: &poolMask[16-r] is 8 lanes of which the first r are set
// (and the next 8 continue the count).
DATA poolMask<>+0(SB)/8, $-1
DATA poolMask<>+8(SB)/8, $-1
DATA poolMask<>+16(SB)/8, $-1
DATA poolMask<>+24(SB)/8, $-1
DATA poolMask<>+32(SB)/8, $-1
DATA poolMask<>+40(SB)/8, $-1
DATA poolMask<>+48(SB)/8, $-1
DATA poolMask<>+56(SB)/8, $-1
DATA poolMask<>+64(SB)/8, $0
DATA poolMask<>+72(SB)/8, $0
DATA poolMask<>+80(SB)/8, $0
DATA poolMask<>+88(SB)/8, $0
DATA poolMask<>+96(SB)/8, $0
DATA poolMask<>+104(SB)/8, $0
DATA poolMask<>+112(SB)/8, $0
DATA poolMask<>+120(SB)/8, $0
GLOBL poolMask<>(SB), RODATA|NOPTR, $128

// func maxPool2x2AVX2(planes, oh, ow int, x *float32, xr, xp int, out *float32, outr, outp int, idx *int64, idxr, idxp, w int)
//
// Eight outputs a step: the taps a, b, c, d of each window (Y2..Y5) come
// from splitting 16 floats of each of the window's two rows; the running
// maximum is Y2 and the code of the tap chosen (0, 1, w, w+1 in int32
// lanes) Y6; the indices base + 2·ox of the step's windows are Y10 (lanes
// 0-3) and Y11 (4-7), int64. The last ow%8 outputs of a row are computed
// from masked loads into the frame, and copied from there.
//
// Registers: R14 counts planes and R9 rows; R10, R11 and R12 are the
// current rows of x (top), out and idx, R13 the index of the row's first
// window; SI, DI, DX and R8 walk the top row, bottom row, out and idx.
TEXT ·maxPool2x2AVX2(SB), NOSPLIT, $96-104
	MOVQ         w+96(FP), AX
	MOVQ         $1, BX
	VMOVQ        BX, X12
	VPBROADCASTD X12, Y12
	VMOVQ        AX, X13
	VPBROADCASTD X13, Y13
	INCQ         AX
	VMOVQ        AX, X14
	VPBROADCASTD X14, Y14

	MOVQ x+24(FP), R10
	MOVQ out+48(FP), R11
	MOVQ idx+72(FP), R12
	MOVQ planes+0(FP), R14
	TESTQ R14, R14
	JZ   pdone

pplane:
	MOVQ  oh+8(FP), R9
	XORQ  R13, R13
	TESTQ R9, R9
	JZ    pdone

prow:
	MOVQ         $16, BX
	VMOVQ        BX, X15
	VPBROADCASTQ X15, Y15
	VMOVQ        R13, X10
	VPBROADCASTQ X10, Y10
	VPADDQ       poolRamp<>+32(SB), Y10, Y11
	VPADDQ       poolRamp<>+0(SB), Y10, Y10
	MOVQ         R10, SI
	MOVQ         xr+32(FP), DI
	LEAQ         (R10)(DI*4), DI
	MOVQ         R11, DX
	MOVQ         R12, R8
	MOVQ         ow+16(FP), CX
	SHRQ         $3, CX
	JZ           ptail

ploop:
	PSPLIT(SI, Y2, Y3)
	PSPLIT(DI, Y4, Y5)
	PMAX
	VMOVUPS Y2, (DX)
	VMOVDQU Y7, (R8)
	VMOVDQU Y8, 32(R8)
	VPADDQ  Y15, Y10, Y10
	VPADDQ  Y15, Y11, Y11
	ADDQ    $64, SI
	ADDQ    $64, DI
	ADDQ    $32, DX
	ADDQ    $64, R8
	DECQ    CX
	JNZ     ploop

ptail:
	MOVQ ow+16(FP), CX
	ANDQ $7, CX
	JZ   pnext
	// Input masks for 2r floats, r = CX outputs left.
	LEAQ    poolMask<>+64(SB), AX
	MOVQ    CX, BX
	SHLQ    $3, BX
	SUBQ    BX, AX
	VMOVUPS (AX), Y9
	VMOVUPS 32(AX), Y15
	PSPLITM(SI, Y2, Y3)
	PSPLITM(DI, Y4, Y5)
	PMAX
	VMOVUPS Y2, vals-96(SP)
	VMOVDQU Y7, idxs-64(SP)
	VMOVDQU Y8, idxs-32(SP)
	LEAQ    vals-96(SP), AX
	XORQ    BX, BX

pcopy:
	MOVL (AX)(BX*4), SI
	MOVL SI, (DX)(BX*4)
	MOVQ 32(AX)(BX*8), SI
	MOVQ SI, (R8)(BX*8)
	INCQ BX
	CMPQ BX, CX
	JLT  pcopy

pnext:
	MOVQ xr+32(FP), AX
	SHLQ $3, AX
	ADDQ AX, R10
	MOVQ outr+56(FP), AX
	SHLQ $2, AX
	ADDQ AX, R11
	MOVQ idxr+80(FP), AX
	SHLQ $3, AX
	ADDQ AX, R12
	MOVQ w+96(FP), AX
	SHLQ $1, AX
	ADDQ AX, R13
	DECQ R9
	JNZ  prow

	// Next plane: each pointer moves by its plane stride less the oh rows
	// it has walked.
	MOVQ  oh+8(FP), BX
	MOVQ  xr+32(FP), AX
	SHLQ  $1, AX
	IMULQ BX, AX
	NEGQ  AX
	ADDQ  xp+40(FP), AX
	LEAQ  (R10)(AX*4), R10
	MOVQ  outr+56(FP), AX
	IMULQ BX, AX
	NEGQ  AX
	ADDQ  outp+64(FP), AX
	LEAQ  (R11)(AX*4), R11
	MOVQ  idxr+80(FP), AX
	IMULQ BX, AX
	NEGQ  AX
	ADDQ  idxp+88(FP), AX
	LEAQ  (R12)(AX*8), R12
	DECQ  R14
	JNZ   pplane

pdone:
	VZEROUPPER
	RET
