//go:build amd64 && !purego

#include "textflag.h"
#include "consts_amd64.h"

// iota816: 8..15 as int32.
DATA iota816<>+0(SB)/8, $0x0000000900000008
DATA iota816<>+8(SB)/8, $0x0000000b0000000a
DATA iota816<>+16(SB)/8, $0x0000000d0000000c
DATA iota816<>+24(SB)/8, $0x0000000f0000000e
GLOBL iota816<>(SB), RODATA|NOPTR, $32

// twoiota: 0, 2, ..., 14 as int64 in two vectors of 4.
DATA twoiota<>+0(SB)/8, $0
DATA twoiota<>+8(SB)/8, $2
DATA twoiota<>+16(SB)/8, $4
DATA twoiota<>+24(SB)/8, $6
DATA twoiota<>+32(SB)/8, $8
DATA twoiota<>+40(SB)/8, $10
DATA twoiota<>+48(SB)/8, $12
DATA twoiota<>+56(SB)/8, $14
GLOBL twoiota<>(SB), RODATA|NOPTR, $64

// sixteen: 16 as int64, four times.
DATA sixteen<>+0(SB)/8, $16
DATA sixteen<>+8(SB)/8, $16
DATA sixteen<>+16(SB)/8, $16
DATA sixteen<>+24(SB)/8, $16
GLOBL sixteen<>(SB), RODATA|NOPTR, $32

// one8: 1 as int32, eight times.
DATA one8<>+0(SB)/8, $0x0000000100000001
DATA one8<>+8(SB)/8, $0x0000000100000001
DATA one8<>+16(SB)/8, $0x0000000100000001
DATA one8<>+24(SB)/8, $0x0000000100000001
GLOBL one8<>(SB), RODATA|NOPTR, $32

// SPLIT(E, O) splits the 16 floats of Y14:Y15 into the even-indexed ones
// in E and the odd-indexed ones in O.
#define SPLIT(E, O) \
	VSHUFPS $0x88, Y15, Y14, E \
	VSHUFPS $0xdd, Y15, Y14, O \
	VPERMPD $0xd8, E, E \
	VPERMPD $0xd8, O, O

// TAKE(V, K) replaces the running maximum Y0 (offset Y1 as int32) by V
// where V > Y0 or V is NaN, with offset K.
#define TAKE(V, K) \
	VCMPPS    $0x1e, Y0, V, Y8 \
	VCMPPS    $3, V, V, Y9 \
	VORPS     Y9, Y8, Y8 \
	VBLENDVPS Y8, V, Y0, Y0 \
	VBLENDVPS Y8, K, Y1, Y1

// WINDOWS computes Y0 (maxima) and the int64 positions Y10:Y11 of 8
// windows whose rows are in Y14:Y15 (above) and Y12:Y13 (below). Y6 holds
// the positions of the first taps (base + 2ox, int64, two vectors Y6:Y7),
// Y2 zero, Y3 one, Y4 w, Y5 w+1 (int32).
#define WINDOWS \
	SPLIT(Y0, Y9) \
	VMOVAPS   Y9, Y10 \
	VMOVAPS   Y12, Y14 \
	VMOVAPS   Y13, Y15 \
	SPLIT(Y11, Y12) \
	VMOVAPS   Y2, Y1 \
	TAKE(Y10, Y3) \
	TAKE(Y11, Y4) \
	TAKE(Y12, Y5) \
	VPMOVSXDQ X1, Y10 \
	VEXTRACTI128 $1, Y1, X11 \
	VPMOVSXDQ X11, Y11 \
	VPADDQ    Y6, Y10, Y10 \
	VPADDQ    Y7, Y11, Y11

// func maxPool2Asm(dst []float32, idx []int64, r0, r1 []float32, base, w int64)
TEXT ·maxPool2Asm(SB), NOSPLIT, $0-112
	MOVQ         dst_base+0(FP), DI
	MOVQ         dst_len+8(FP), CX
	MOVQ         idx_base+24(FP), R8
	MOVQ         r0_base+48(FP), SI
	MOVQ         r1_base+72(FP), DX
	VPXOR        Y2, Y2, Y2
	VMOVDQU      one8<>(SB), Y3
	VPBROADCASTD w+104(FP), Y4
	VPADDD       Y3, Y4, Y5
	VPBROADCASTQ base+96(FP), Y6
	VPADDQ       twoiota<>+32(SB), Y6, Y7
	VPADDQ       twoiota<>+0(SB), Y6, Y6
	XORQ         AX, AX
	MOVQ         CX, BX
	ANDQ         $-8, BX

loop:
	CMPQ    AX, BX
	JGE     tail
	VMOVUPS (DX)(AX*8), Y12
	VMOVUPS 32(DX)(AX*8), Y13
	VMOVUPS (SI)(AX*8), Y14
	VMOVUPS 32(SI)(AX*8), Y15
	WINDOWS
	VMOVUPS Y0, (DI)(AX*4)
	VMOVDQU Y10, (R8)(AX*8)
	VMOVDQU Y11, 32(R8)(AX*8)
	VPADDQ  sixteen<>(SB), Y6, Y6
	VPADDQ  sixteen<>(SB), Y7, Y7
	ADDQ    $8, AX
	JMP     loop

tail:
	CMPQ AX, CX
	JGE  done
	// rem = CX - AX in 1..7: masks for the 2·rem inputs and rem outputs.
	MOVQ         CX, R9
	SUBQ         AX, R9
	VMOVD        R9, X9
	VPBROADCASTD X9, Y9
	VPADDD       Y9, Y9, Y8
	VMOVDQU      iota8<>(SB), Y10
	VPCMPGTD     Y10, Y8, Y11
	VMOVDQU      iota816<>(SB), Y10
	VPCMPGTD     Y10, Y8, Y10
	VMASKMOVPS   (DX)(AX*8), Y11, Y12
	VMASKMOVPS   32(DX)(AX*8), Y10, Y13
	VMASKMOVPS   (SI)(AX*8), Y11, Y14
	VMASKMOVPS   32(SI)(AX*8), Y10, Y15
	MOVQ         R9, R10
	WINDOWS
	VMOVD        R10, X9
	VPBROADCASTD X9, Y9
	VPCMPGTD     iota8<>(SB), Y9, Y9
	VMASKMOVPS   Y0, Y9, (DI)(AX*4)
	VPMOVSXDQ    X9, Y12
	VEXTRACTI128 $1, Y9, X13
	VPMOVSXDQ    X13, Y13
	VPMASKMOVQ   Y10, Y12, (R8)(AX*8)
	VPMASKMOVQ   Y11, Y13, 32(R8)(AX*8)

done:
	VZEROUPPER
	RET
