//go:build !purego

#include "textflag.h"

// The 2×2, stride-2 max-pooling kernel for AVX2 (see convKernels.maxPool2x2
// and maxRow2x2).

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
