//go:build !purego

#include "textflag.h"

// func fmaChainsAVX2(iters int)
//
// Runs iters rounds of 12 independent float32 FMA chains on 8-lane vectors
// (acc = acc*a + b): 192 flops per round, enough independent work to keep
// both FMA pipes of a core busy (latency 4 × 2 pipes < 12 chains).
TEXT ·fmaChainsAVX2(SB), NOSPLIT, $0-8
	MOVQ   iters+0(FP), CX
	MOVL   $0x3f7fffef, AX // 0.999999
	MOVL   AX, X0
	VBROADCASTSS X0, Y0
	MOVL   $0x33d6bf95, AX // 1e-7
	MOVL   AX, X1
	VBROADCASTSS X1, Y1
	VMOVAPS Y1, Y4
	VMOVAPS Y1, Y5
	VMOVAPS Y1, Y6
	VMOVAPS Y1, Y7
	VMOVAPS Y1, Y8
	VMOVAPS Y1, Y9
	VMOVAPS Y1, Y10
	VMOVAPS Y1, Y11
	VMOVAPS Y1, Y12
	VMOVAPS Y1, Y13
	VMOVAPS Y1, Y14
	VMOVAPS Y1, Y15
	TESTQ  CX, CX
	JLE    done

loop:
	VFMADD213PS Y1, Y0, Y4
	VFMADD213PS Y1, Y0, Y5
	VFMADD213PS Y1, Y0, Y6
	VFMADD213PS Y1, Y0, Y7
	VFMADD213PS Y1, Y0, Y8
	VFMADD213PS Y1, Y0, Y9
	VFMADD213PS Y1, Y0, Y10
	VFMADD213PS Y1, Y0, Y11
	VFMADD213PS Y1, Y0, Y12
	VFMADD213PS Y1, Y0, Y13
	VFMADD213PS Y1, Y0, Y14
	VFMADD213PS Y1, Y0, Y15
	DECQ   CX
	JNZ    loop

done:
	VZEROUPPER
	RET
