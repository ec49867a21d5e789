//go:build amd64 && !purego

#include "textflag.h"

DATA one32<>+0(SB)/8, $0x0000000100000001
DATA one32<>+8(SB)/8, $0x0000000100000001
DATA one32<>+16(SB)/8, $0x0000000100000001
DATA one32<>+24(SB)/8, $0x0000000100000001
GLOBL one32<>(SB), RODATA|NOPTR, $32

DATA two32<>+0(SB)/8, $0x0000000200000002
DATA two32<>+8(SB)/8, $0x0000000200000002
DATA two32<>+16(SB)/8, $0x0000000200000002
DATA two32<>+24(SB)/8, $0x0000000200000002
GLOBL two32<>(SB), RODATA|NOPTR, $32

DATA three32<>+0(SB)/8, $0x0000000300000003
DATA three32<>+8(SB)/8, $0x0000000300000003
DATA three32<>+16(SB)/8, $0x0000000300000003
DATA three32<>+24(SB)/8, $0x0000000300000003
GLOBL three32<>(SB), RODATA|NOPTR, $32

// EVENODD(R, E, O) loads the 16 floats at R+AX*8 and splits them into the
// even-indexed ones in E and the odd-indexed ones in O (Y14, Y15 scratch).
#define EVENODD(R, E, O) \
	VMOVUPS (R)(AX*8), Y14 \
	VMOVUPS 32(R)(AX*8), Y15 \
	VSHUFPS $0x88, Y15, Y14, E \
	VSHUFPS $0xdd, Y15, Y14, O \
	VPERMPD $0xd8, E, E \
	VPERMPD $0xd8, O, O

// TAKE(V, K) replaces the running maximum Y0 (position Y1) by V where
// V > Y0 or V is NaN, with position K.
#define TAKE(V, K) \
	VCMPPS    $0x1e, Y0, V, Y8 \
	VCMPPS    $3, V, V, Y9 \
	VORPS     Y9, Y8, Y8 \
	VBLENDVPS Y8, V, Y0, Y0 \
	VBLENDVPS Y8, K, Y1, Y1

// func maxPool2Asm(dst []float32, which []int32, r0, r1 []float32)
TEXT ·maxPool2Asm(SB), NOSPLIT, $0-96
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ which_base+24(FP), R8
	MOVQ r0_base+48(FP), SI
	MOVQ r1_base+72(FP), DX
	XORQ AX, AX

loop:
	CMPQ   AX, CX
	JGE    done
	EVENODD(SI, Y0, Y3)
	EVENODD(DX, Y4, Y5)
	VPXOR  Y1, Y1, Y1
	TAKE(Y3, one32<>(SB))
	TAKE(Y4, two32<>(SB))
	TAKE(Y5, three32<>(SB))
	VMOVUPS Y0, (DI)(AX*4)
	VMOVDQU Y1, (R8)(AX*4)
	ADDQ    $8, AX
	JMP     loop

done:
	VZEROUPPER
	RET
