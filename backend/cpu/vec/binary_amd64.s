//go:build amd64 && !purego

#include "textflag.h"

// Elementwise binary kernels on whole blocks of 8 float32s (the Go
// wrappers pass lengths that are multiples of 8 and do the tail).
// Registers: DI dst, SI x, DX y, CX n, AX index, BX n rounded down to 32.

// VV(OP) computes dst = x OP y, 32 then 8 elements per step.
#define VV(OP) \
	MOVQ dst_base+0(FP), DI \
	MOVQ dst_len+8(FP), CX \
	MOVQ x_base+24(FP), SI \
	MOVQ y_base+48(FP), DX \
	XORQ AX, AX \
	MOVQ CX, BX \
	ANDQ $-32, BX \
loop32: \
	CMPQ AX, BX \
	JGE  loop8 \
	VMOVUPS (SI)(AX*4), Y0 \
	VMOVUPS 32(SI)(AX*4), Y1 \
	VMOVUPS 64(SI)(AX*4), Y2 \
	VMOVUPS 96(SI)(AX*4), Y3 \
	OP (DX)(AX*4), Y0, Y0 \
	OP 32(DX)(AX*4), Y1, Y1 \
	OP 64(DX)(AX*4), Y2, Y2 \
	OP 96(DX)(AX*4), Y3, Y3 \
	VMOVUPS Y0, (DI)(AX*4) \
	VMOVUPS Y1, 32(DI)(AX*4) \
	VMOVUPS Y2, 64(DI)(AX*4) \
	VMOVUPS Y3, 96(DI)(AX*4) \
	ADDQ $32, AX \
	JMP  loop32 \
loop8: \
	CMPQ AX, CX \
	JGE  done \
	VMOVUPS (SI)(AX*4), Y0 \
	OP (DX)(AX*4), Y0, Y0 \
	VMOVUPS Y0, (DI)(AX*4) \
	ADDQ $8, AX \
	JMP  loop8 \
done: \
	VZEROUPPER \
	RET

// VS(OP) computes dst = x OP s with s broadcast in Y4.
#define VS(OP) \
	MOVQ dst_base+0(FP), DI \
	MOVQ dst_len+8(FP), CX \
	MOVQ x_base+24(FP), SI \
	VBROADCASTSS s+48(FP), Y4 \
	XORQ AX, AX \
	MOVQ CX, BX \
	ANDQ $-32, BX \
loop32: \
	CMPQ AX, BX \
	JGE  loop8 \
	VMOVUPS (SI)(AX*4), Y0 \
	VMOVUPS 32(SI)(AX*4), Y1 \
	VMOVUPS 64(SI)(AX*4), Y2 \
	VMOVUPS 96(SI)(AX*4), Y3 \
	OP Y4, Y0, Y0 \
	OP Y4, Y1, Y1 \
	OP Y4, Y2, Y2 \
	OP Y4, Y3, Y3 \
	VMOVUPS Y0, (DI)(AX*4) \
	VMOVUPS Y1, 32(DI)(AX*4) \
	VMOVUPS Y2, 64(DI)(AX*4) \
	VMOVUPS Y3, 96(DI)(AX*4) \
	ADDQ $32, AX \
	JMP  loop32 \
loop8: \
	CMPQ AX, CX \
	JGE  done \
	VMOVUPS (SI)(AX*4), Y0 \
	OP Y4, Y0, Y0 \
	VMOVUPS Y0, (DI)(AX*4) \
	ADDQ $8, AX \
	JMP  loop8 \
done: \
	VZEROUPPER \
	RET

// SV(OP) computes dst = s OP y with s broadcast in Y4.
#define SV(OP) \
	MOVQ dst_base+0(FP), DI \
	MOVQ dst_len+8(FP), CX \
	VBROADCASTSS s+24(FP), Y4 \
	MOVQ y_base+32(FP), SI \
	XORQ AX, AX \
	MOVQ CX, BX \
	ANDQ $-32, BX \
loop32: \
	CMPQ AX, BX \
	JGE  loop8 \
	VMOVUPS (SI)(AX*4), Y0 \
	VMOVUPS 32(SI)(AX*4), Y1 \
	VMOVUPS 64(SI)(AX*4), Y2 \
	VMOVUPS 96(SI)(AX*4), Y3 \
	OP Y0, Y4, Y0 \
	OP Y1, Y4, Y1 \
	OP Y2, Y4, Y2 \
	OP Y3, Y4, Y3 \
	VMOVUPS Y0, (DI)(AX*4) \
	VMOVUPS Y1, 32(DI)(AX*4) \
	VMOVUPS Y2, 64(DI)(AX*4) \
	VMOVUPS Y3, 96(DI)(AX*4) \
	ADDQ $32, AX \
	JMP  loop32 \
loop8: \
	CMPQ AX, CX \
	JGE  done \
	VMOVUPS (SI)(AX*4), Y0 \
	OP Y0, Y4, Y0 \
	VMOVUPS Y0, (DI)(AX*4) \
	ADDQ $8, AX \
	JMP  loop8 \
done: \
	VZEROUPPER \
	RET

// func addAsm(dst, x, y []float32)
TEXT ·addAsm(SB), NOSPLIT, $0-72
	VV(VADDPS)

// func subAsm(dst, x, y []float32)
TEXT ·subAsm(SB), NOSPLIT, $0-72
	VV(VSUBPS)

// func mulAsm(dst, x, y []float32)
TEXT ·mulAsm(SB), NOSPLIT, $0-72
	VV(VMULPS)

// func divAsm(dst, x, y []float32)
TEXT ·divAsm(SB), NOSPLIT, $0-72
	VV(VDIVPS)

// func addScalarAsm(dst, x []float32, s float32)
TEXT ·addScalarAsm(SB), NOSPLIT, $0-52
	VS(VADDPS)

// func subScalarAsm(dst, x []float32, s float32)
TEXT ·subScalarAsm(SB), NOSPLIT, $0-52
	VS(VSUBPS)

// func mulScalarAsm(dst, x []float32, s float32)
TEXT ·mulScalarAsm(SB), NOSPLIT, $0-52
	VS(VMULPS)

// func divScalarAsm(dst, x []float32, s float32)
TEXT ·divScalarAsm(SB), NOSPLIT, $0-52
	VS(VDIVPS)

// func scalarSubAsm(dst []float32, s float32, y []float32)
TEXT ·scalarSubAsm(SB), NOSPLIT, $0-56
	SV(VSUBPS)

// func scalarDivAsm(dst []float32, s float32, y []float32)
TEXT ·scalarDivAsm(SB), NOSPLIT, $0-56
	SV(VDIVPS)
