//go:build amd64 && !purego

#include "textflag.h"
#include "consts_amd64.h"
#include "math_amd64.h"
#include "reduce_amd64.h"

// Attention softmax rows (see softmax.go). DI is the row, CX its length (a
// multiple of 8), BX the count n of scores; Y15 holds the scale.

// SCALEMASK sets Y0 = scale·(AX)(DI) with the lanes from n on set to -Inf
// (the last block of a row), scratch Y1 to Y3 and R8.
#define SCALEMASK \
	VMULPS       (DI)(AX*4), Y15, Y0 \
	MOVQ         BX, R8              \
	SUBQ         AX, R8              \
	VMOVQ        R8, X1              \
	VPBROADCASTD X1, Y1              \
	VMOVDQU      iota8<>(SB), Y2     \
	VPCMPGTD     Y2, Y1, Y1          \
	VMOVUPS      neginf<>(SB), Y3    \
	VBLENDVPS    Y1, Y0, Y3, Y0

// func scaledSoftmaxAsm(y []float32, n int, scale float32) (max float32, sum float64)
TEXT ·scaledSoftmaxAsm(SB), NOSPLIT, $0-56
	MOVQ         y_base+0(FP), DI
	MOVQ         y_len+8(FP), CX
	MOVQ         n+24(FP), BX
	VBROADCASTSS scale+32(FP), Y15
	VMOVUPS      neginf<>(SB), Y14
	MOVQ         BX, DX
	ANDQ         $-8, DX
	XORQ         AX, AX

	// Scale (and mask) in place, keeping the maximum in Y14.
smfull:
	CMPQ    AX, DX
	JGE     smtail
	VMULPS  (DI)(AX*4), Y15, Y0
	VMOVUPS Y0, (DI)(AX*4)
	VMAXPS  Y0, Y14, Y14
	ADDQ    $8, AX
	JMP     smfull

smtail:
	CMPQ    AX, CX
	JGE     smmax
	SCALEMASK
	VMOVUPS Y0, (DI)(AX*4)
	VMAXPS  Y0, Y14, Y14

smmax:
	VEXTRACTF128 $1, Y14, X1
	VMAXPS       X1, X14, X14
	VPERMILPS    $0x4e, X14, X1
	VMAXPS       X1, X14, X14
	VPERMILPS    $0xb1, X14, X1
	VMAXPS       X1, X14, X14
	VMOVSS       X14, max+40(FP)
	VBROADCASTSS X14, Y14

	// e^(y - max) in place, summed in float64.
	VXORPD Y12, Y12, Y12
	VXORPD Y13, Y13, Y13
	XORQ   AX, AX

smexp2:
	LEAQ         16(AX), R8
	CMPQ         R8, CX
	JGT          smexp1
	EXPSHIFTSUM2(DI, DI, Y14, Y12, Y13)
	MOVQ         R8, AX
	JMP          smexp2

smexp1:
	CMPQ         AX, CX
	JGE          smsum
	EXPSHIFTSUM(DI, DI, Y14, Y12, Y13)

smsum:
	VADDPD       Y13, Y12, Y0
	HSUMPD
	VMOVSD       X0, sum+48(FP)

	// Divide by the sum: multiply by float32(1/sum).
	VMOVSD       onef64<>(SB), X1
	VDIVSD       X0, X1, X1
	VCVTSD2SS    X1, X1, X1
	VBROADCASTSS X1, Y1
	XORQ         AX, AX

smnorm:
	VMULPS  (DI)(AX*4), Y1, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	CMPQ    AX, CX
	JLT     smnorm
	VZEROUPPER
	RET

// func scaledExpAsm(y []float32, n int, scale, shift float32)
TEXT ·scaledExpAsm(SB), NOSPLIT, $0-40
	MOVQ         y_base+0(FP), DI
	MOVQ         y_len+8(FP), CX
	MOVQ         n+24(FP), BX
	VBROADCASTSS scale+32(FP), Y15
	VBROADCASTSS shift+36(FP), Y14
	MOVQ         BX, DX
	ANDQ         $-8, DX
	XORQ         AX, AX

sepair:
	LEAQ    16(AX), R8
	CMPQ    R8, DX
	JGT     sefull
	VMULPS  (DI)(AX*4), Y15, Y0
	VMULPS  32(DI)(AX*4), Y15, Y5
	VSUBPS  Y14, Y0, Y0
	VSUBPS  Y14, Y5, Y5
	EXPV2(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9)
	VMOVUPS Y0, (DI)(AX*4)
	VMOVUPS Y5, 32(DI)(AX*4)
	MOVQ    R8, AX
	JMP     sepair

sefull:
	CMPQ    AX, DX
	JGE     setail
	VMULPS  (DI)(AX*4), Y15, Y0
	VSUBPS  Y14, Y0, Y0
	EXPV(Y0, Y1, Y2, Y3, Y4)
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	JMP     sefull

setail:
	CMPQ    AX, CX
	JGE     sedone
	SCALEMASK
	VSUBPS  Y14, Y0, Y0
	EXPV(Y0, Y1, Y2, Y3, Y4)
	VMOVUPS Y0, (DI)(AX*4)

sedone:
	VZEROUPPER
	RET
