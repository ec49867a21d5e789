//go:build amd64 && !purego

#include "textflag.h"
#include "consts_amd64.h"
#include "reduce_amd64.h"

// Layer norm row kernels (see norm.go): each makes two or three passes over
// one row of whole 8-float blocks, with float64 sums. Every instruction on
// X/Y registers is VEX-encoded: a single legacy-SSE MOVQ into X4 (for the
// constant 1.0) made the forward kernel 2.3x slower (SSE/AVX transition).

// WIDEN adds the 8 float32s of Y-register v (X-half xv) into the float64
// accumulators lo and hi (t, xt, u scratch).
#define WIDEN(v, xv, lo, hi, t, xt, u) \
	VCVTPS2PD    xv, u;    \
	VADDPD       u, lo, lo; \
	VEXTRACTF128 $1, v, xt; \
	VCVTPS2PD    xt, t;    \
	VADDPD       t, hi, hi

// func layerNormRowAsm(y, x, w, b []float32, eps float64) (mean, rstd float32)
TEXT ·layerNormRowAsm(SB), NOSPLIT, $0-112
	MOVQ y_base+0(FP), DI
	MOVQ y_len+8(FP), CX
	MOVQ x_base+24(FP), SI
	MOVQ w_base+48(FP), R8
	MOVQ b_base+72(FP), R9

	// mean = Σx / d
	VXORPD Y0, Y0, Y0
	VXORPD Y2, Y2, Y2
	XORQ   AX, AX

lnsum:
	VCVTPS2PD (SI)(AX*4), Y4
	VCVTPS2PD 16(SI)(AX*4), Y5
	VADDPD    Y4, Y0, Y0
	VADDPD    Y5, Y2, Y2
	ADDQ      $8, AX
	CMPQ      AX, CX
	JLT       lnsum
	VADDPD    Y2, Y0, Y0
	HSUMPD
	VCVTSI2SDQ CX, X13, X13
	VDIVSD    X13, X0, X0
	VCVTSD2SS X0, X0, X0
	VMOVSS    X0, mean+104(FP)
	VBROADCASTSS X0, Y3

	// y = x - mean; variance = Σ(x-mean)² / d
	VXORPD Y0, Y0, Y0
	VXORPD Y2, Y2, Y2
	XORQ   AX, AX

lnvar:
	VMOVUPS      (SI)(AX*4), Y4
	VSUBPS       Y3, Y4, Y4
	VMOVUPS      Y4, (DI)(AX*4)
	VCVTPS2PD    X4, Y5
	VFMADD231PD  Y5, Y5, Y0
	VEXTRACTF128 $1, Y4, X6
	VCVTPS2PD    X6, Y6
	VFMADD231PD  Y6, Y6, Y2
	ADDQ         $8, AX
	CMPQ         AX, CX
	JLT          lnvar
	VADDPD       Y2, Y0, Y0
	HSUMPD
	VDIVSD       X13, X0, X0
	VADDSD       eps+96(FP), X0, X0
	VSQRTSD      X0, X0, X0
	VMOVSD       onef64<>(SB), X4
	VDIVSD       X0, X4, X0
	VCVTSD2SS    X0, X0, X0
	VMOVSS       X0, rstd+108(FP)
	VBROADCASTSS X0, Y3

	// y = y·rstd·w + b
	XORQ AX, AX

lnout:
	VMULPS  (DI)(AX*4), Y3, Y4
	VMULPS  (R8)(AX*4), Y4, Y4
	VADDPS  (R9)(AX*4), Y4, Y4
	VMOVUPS Y4, (DI)(AX*4)
	ADDQ    $8, AX
	CMPQ    AX, CX
	JLT     lnout
	VZEROUPPER
	RET

// func layerNormBackwardRowAsm(dx, dw, db, dy, x, w []float32, mean, rstd float32)
TEXT ·layerNormBackwardRowAsm(SB), NOSPLIT, $0-152
	MOVQ         dx_base+0(FP), DI
	MOVQ         dx_len+8(FP), CX
	MOVQ         dw_base+24(FP), R8
	MOVQ         db_base+48(FP), R9
	MOVQ         dy_base+72(FP), DX
	MOVQ         x_base+96(FP), SI
	MOVQ         w_base+120(FP), R10
	VBROADCASTSS mean+144(FP), Y14
	VBROADCASTSS rstd+148(FP), Y15

	// dw += dy·x̂, db += dy; Σg and Σg·x̂ with g = dy·w
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	XORQ   AX, AX

lnb1:
	VMOVUPS (SI)(AX*4), Y4
	VSUBPS  Y14, Y4, Y4
	VMULPS  Y15, Y4, Y4
	VMOVUPS (DX)(AX*4), Y5
	VMULPS  Y5, Y4, Y6
	VADDPS  (R8)(AX*4), Y6, Y6
	VMOVUPS Y6, (R8)(AX*4)
	VADDPS  (R9)(AX*4), Y5, Y7
	VMOVUPS Y7, (R9)(AX*4)
	VMULPS  (R10)(AX*4), Y5, Y5
	VMULPS  Y4, Y5, Y6
	WIDEN(Y5, X5, Y0, Y1, Y7, X7, Y8)
	WIDEN(Y6, X6, Y2, Y3, Y9, X9, Y10)
	ADDQ    $8, AX
	CMPQ    AX, CX
	JLT     lnb1

	VCVTSI2SDQ   CX, X13, X13
	VADDPD       Y3, Y2, Y2
	VADDPD       Y1, Y0, Y0
	HSUMPD
	VDIVSD       X13, X0, X0
	VCVTSD2SS    X0, X0, X0
	VBROADCASTSS X0, Y12
	VMOVAPD      Y2, Y0
	HSUMPD
	VDIVSD       X13, X0, X0
	VCVTSD2SS    X0, X0, X0
	VBROADCASTSS X0, Y13

	// dx = ((g - Σg/d) - x̂·Σ(g·x̂)/d)·rstd
	XORQ AX, AX

lnb2:
	VMOVUPS (SI)(AX*4), Y4
	VSUBPS  Y14, Y4, Y4
	VMULPS  Y15, Y4, Y4
	VMOVUPS (DX)(AX*4), Y5
	VMULPS  (R10)(AX*4), Y5, Y5
	VSUBPS  Y12, Y5, Y5
	VMULPS  Y13, Y4, Y4
	VSUBPS  Y4, Y5, Y5
	VMULPS  Y15, Y5, Y5
	VMOVUPS Y5, (DI)(AX*4)
	ADDQ    $8, AX
	CMPQ    AX, CX
	JLT     lnb2
	VZEROUPPER
	RET
