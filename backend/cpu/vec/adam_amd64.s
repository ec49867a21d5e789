//go:build amd64 && !purego

#include "textflag.h"

// func adamAsm(p, g, m, v []float32, a *Adam, l2 int)
// One Adam update per element, operation by operation as adamGo (no FMA).
// Registers: Y15 sign, Y14 decay, Y13 wd, Y12 β1, Y11 1-β1, Y10 β2,
// Y9 1-β2, Y8 -step, Y7 sqrt(1-β2^t), Y6 ε.
TEXT ·adamAsm(SB), NOSPLIT, $0-112
	MOVQ         p_base+0(FP), DI
	MOVQ         p_len+8(FP), CX
	MOVQ         g_base+24(FP), SI
	MOVQ         m_base+48(FP), R8
	MOVQ         v_base+72(FP), R9
	MOVQ         a+96(FP), R10
	MOVQ         l2+104(FP), R11
	VBROADCASTSS 0(R10), Y15
	VBROADCASTSS 4(R10), Y14
	VBROADCASTSS 8(R10), Y13
	VBROADCASTSS 12(R10), Y12
	VBROADCASTSS 16(R10), Y11
	VBROADCASTSS 20(R10), Y10
	VBROADCASTSS 24(R10), Y9
	VBROADCASTSS 28(R10), Y8
	VBROADCASTSS 32(R10), Y7
	VBROADCASTSS 36(R10), Y6
	XORQ         AX, AX

loop:
	CMPQ   AX, CX
	JGE    done
	VMULPS (SI)(AX*4), Y15, Y0
	VMULPS (DI)(AX*4), Y14, Y1
	TESTQ  R11, R11
	JZ     moments
	VMULPS Y1, Y13, Y2
	VADDPS Y2, Y0, Y0

moments:
	VMULPS  (R8)(AX*4), Y12, Y2
	VMULPS  Y0, Y11, Y3
	VADDPS  Y3, Y2, Y2
	VMOVUPS Y2, (R8)(AX*4)
	VMULPS  (R9)(AX*4), Y10, Y3
	VMULPS  Y0, Y9, Y4
	VMULPS  Y0, Y4, Y4
	VADDPS  Y4, Y3, Y3
	VMOVUPS Y3, (R9)(AX*4)
	VSQRTPS Y3, Y3
	VDIVPS  Y7, Y3, Y3
	VADDPS  Y6, Y3, Y3
	VMULPS  Y2, Y8, Y2
	VDIVPS  Y3, Y2, Y2
	VADDPS  Y2, Y1, Y1
	VMOVUPS Y1, (DI)(AX*4)
	ADDQ    $8, AX
	JMP     loop

done:
	VZEROUPPER
	RET
