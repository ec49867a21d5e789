//go:build amd64 && !purego

#include "textflag.h"

// func sgdAsm(p, g, buf []float32, s *SGD)
// One SGD update per element, operation by operation as sgdGo (no FMA).
// Y15 sign, Y14 wd, Y13 μ, Y12 1-dampening, Y11 -lr; the switches stay in
// R11 (decay), R12 (momentum), R13 (first), R14 (Nesterov).
TEXT ·sgdAsm(SB), NOSPLIT, $0-80
	MOVQ         p_base+0(FP), DI
	MOVQ         p_len+8(FP), CX
	MOVQ         g_base+24(FP), SI
	MOVQ         buf_base+48(FP), R8
	MOVQ         s+72(FP), R10
	VBROADCASTSS 0(R10), Y15
	VBROADCASTSS 4(R10), Y14
	VBROADCASTSS 8(R10), Y13
	VBROADCASTSS 12(R10), Y12
	VBROADCASTSS 16(R10), Y11
	MOVLQSX      20(R10), R11
	MOVLQSX      24(R10), R12
	MOVLQSX      28(R10), R13
	MOVLQSX      32(R10), R14
	XORQ         AX, AX

loop:
	CMPQ    AX, CX
	JGE     done
	VMOVUPS (DI)(AX*4), Y1
	VMULPS  (SI)(AX*4), Y15, Y0
	TESTQ   R11, R11
	JZ      moment
	VMULPS  Y1, Y14, Y2
	VADDPS  Y2, Y0, Y0

moment:
	TESTQ   R12, R12
	JZ      update
	VMOVUPS Y0, Y3
	TESTQ   R13, R13
	JNZ     store
	VMULPS  (R8)(AX*4), Y13, Y3
	VMULPS  Y0, Y12, Y2
	VADDPS  Y2, Y3, Y3

store:
	VMOVUPS Y3, (R8)(AX*4)
	TESTQ   R14, R14
	JZ      plain
	VMULPS  Y3, Y13, Y2
	VADDPS  Y2, Y0, Y0
	JMP     update

plain:
	VMOVUPS Y3, Y0

update:
	VMULPS  Y0, Y11, Y0
	VADDPS  Y0, Y1, Y1
	VMOVUPS Y1, (DI)(AX*4)
	ADDQ    $8, AX
	JMP     loop

done:
	VZEROUPPER
	RET
