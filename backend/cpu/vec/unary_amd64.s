//go:build amd64 && !purego

#include "textflag.h"
#include "consts_amd64.h"
#include "math_amd64.h"

// Elementwise kernels of one operand on whole blocks of 8 float32s.
// The Go twins in unary.go and math.go compute the same functions.

// UNARYARGS loads dst (DI), its length (CX) and x (SI), and zeroes the
// index AX.
#define UNARYARGS \
	MOVQ dst_base+0(FP), DI \
	MOVQ dst_len+8(FP), CX \
	MOVQ x_base+24(FP), SI \
	XORQ AX, AX

// MAP(F) applies the in-register function F to Y0 for every block:
// dst = F(x). DI dst, SI x, CX n, AX index.
#define MAP(F) \
	UNARYARGS \
loop: \
	CMPQ AX, CX \
	JGE  done \
	VMOVUPS (SI)(AX*4), Y0 \
	F \
	VMOVUPS Y0, (DI)(AX*4) \
	ADDQ $8, AX \
	JMP  loop \
done: \
	VZEROUPPER \
	RET

// MAP2P(F2, F) is MAP with two blocks a round: F2 computes the function
// on Y0 and Y8 at once (its two dependency chains interleaved, so that
// they overlap); a last odd block takes F on Y0 alone.
#define MAP2P(F2, F) \
	UNARYARGS \
	LEAQ -8(CX), BX \
loop2: \
	CMPQ AX, BX \
	JGE  tail \
	VMOVUPS (SI)(AX*4), Y0 \
	VMOVUPS 32(SI)(AX*4), Y8 \
	F2 \
	VMOVUPS Y0, (DI)(AX*4) \
	VMOVUPS Y8, 32(DI)(AX*4) \
	ADDQ $16, AX \
	JMP  loop2 \
tail: \
	CMPQ AX, CX \
	JGE  done \
	VMOVUPS (SI)(AX*4), Y0 \
	F \
	VMOVUPS Y0, (DI)(AX*4) \
done: \
	VZEROUPPER \
	RET

// func expAsm(dst, x []float32)
TEXT ·expAsm(SB), NOSPLIT, $0-48
	MAP2P(EXPV2(Y0, Y1, Y2, Y3, Y4, Y8, Y9, Y10, Y11, Y12), EXPV(Y0, Y1, Y2, Y3, Y4))

// func logAsm(dst, x []float32)
TEXT ·logAsm(SB), NOSPLIT, $0-48
	MAP2P(LOGV2(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y8, Y9, Y10, Y11, Y12, Y13, Y14), LOGV(Y0, Y1, Y2, Y3, Y4, Y5, Y6))

// func tanhAsm(dst, x []float32)
TEXT ·tanhAsm(SB), NOSPLIT, $0-48
	MAP2P(TANHV2(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y8, Y9, Y10, Y11, Y12, Y13, Y14), TANHV(Y0, Y1, Y2, Y3, Y4, Y5, Y6))

// func sigmoidAsm(dst, x []float32)
TEXT ·sigmoidAsm(SB), NOSPLIT, $0-48
	MAP2P(SIGMOIDV2(Y0, Y1, Y2, Y3, Y4, Y5, Y8, Y9, Y10, Y11, Y12, Y13), SIGMOIDV(Y0, Y1, Y2, Y3, Y4, Y5))

// func erfAsm(dst, x []float32)
TEXT ·erfAsm(SB), NOSPLIT, $0-48
	MAP2P(ERFV2(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y8, Y9, Y10, Y11, Y12, Y13, Y14), ERFV(Y0, Y1, Y2, Y3, Y4, Y5, Y6))

// func geluAsm(dst, x []float32)
TEXT ·geluAsm(SB), NOSPLIT, $0-48
	MAP2P(GELUV2(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15), GELUV(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7))

// func geluGradAsm(dst, g, x []float32)
TEXT ·geluGradAsm(SB), NOSPLIT, $0-72
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ g_base+24(FP), SI
	MOVQ x_base+48(FP), DX
	XORQ AX, AX

gg8:
	CMPQ    AX, CX
	JGE     ggdone
	VMOVUPS (DX)(AX*4), Y0
	VMOVUPS (SI)(AX*4), Y9
	GELUGRADV(Y0, Y9, Y1, Y2, Y3, Y4, Y5, Y6, Y7)
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	JMP     gg8

ggdone:
	VZEROUPPER
	RET

// GELUDOUT(off, X, R, T, E) finishes a block of geluAndGradAsm at byte
// offset off from x (X), erf(x/√2) (R) and its exponential (E), scratch T:
// the same operations as the one-block loop below.
#define GELUDOUT(off, X, R, T, E) \
	VADDPS      one<>(SB), R, R    \
	VMULPS      half<>(SB), X, T   \
	VMULPS      R, T, T            \
	VMOVUPS     T, off(DI)(AX*4)   \
	VMULPS      half<>(SB), R, R   \
	VMULPS      invsqrt2pi<>(SB), E, T \
	VFMADD231PS T, X, R            \
	VMOVUPS     R, off(DX)(AX*4)

// func geluAndGradAsm(y, d, x []float32)
//
// GELUV and GELUGRADV's operations in their order, the erf and its
// exponential computed once.
TEXT ·geluAndGradAsm(SB), NOSPLIT, $0-72
	MOVQ y_base+0(FP), DI
	MOVQ y_len+8(FP), CX
	MOVQ d_base+24(FP), DX
	MOVQ x_base+48(FP), SI
	XORQ AX, AX

gd16:
	LEAQ        16(AX), R8
	CMPQ        R8, CX
	JGT         gd8
	VMOVUPS     (SI)(AX*4), Y0
	VMOVUPS     32(SI)(AX*4), Y8
	VMULPS      sqrt1_2<>(SB), Y0, Y1
	VMULPS      sqrt1_2<>(SB), Y8, Y9
	ERFEV2(Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y7, Y9, Y10, Y11, Y12, Y13, Y14, Y15, Y15)
	GELUDOUT(0, Y0, Y1, Y2, Y7)
	GELUDOUT(32, Y8, Y9, Y10, Y15)
	MOVQ        R8, AX
	JMP         gd16

gd8:
	CMPQ        AX, CX
	JGE         gddone
	VMOVUPS     (SI)(AX*4), Y0
	VMULPS      sqrt1_2<>(SB), Y0, Y1
	ERFEV(Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8)
	VADDPS      one<>(SB), Y1, Y1
	VMULPS      half<>(SB), Y0, Y2
	VMULPS      Y1, Y2, Y2
	VMOVUPS     Y2, (DI)(AX*4)
	VMULPS      half<>(SB), Y1, Y1
	VMULPS      invsqrt2pi<>(SB), Y8, Y2
	VFMADD231PS Y2, Y0, Y1
	VMOVUPS     Y1, (DX)(AX*4)
	ADDQ        $8, AX
	JMP         gd8

gddone:
	VZEROUPPER
	RET

// func reluAsm(dst, x []float32)
TEXT ·reluAsm(SB), NOSPLIT, $0-48
	MOVQ   dst_base+0(FP), DI
	MOVQ   dst_len+8(FP), CX
	MOVQ   x_base+24(FP), SI
	VXORPS Y5, Y5, Y5
	XORQ   AX, AX
	MOVQ   CX, BX
	ANDQ   $-32, BX

relu32:
	CMPQ    AX, BX
	JGE     relu8
	VMOVUPS (SI)(AX*4), Y0
	VMOVUPS 32(SI)(AX*4), Y1
	VMOVUPS 64(SI)(AX*4), Y2
	VMOVUPS 96(SI)(AX*4), Y3
	VMAXPS  Y0, Y5, Y0
	VMAXPS  Y1, Y5, Y1
	VMAXPS  Y2, Y5, Y2
	VMAXPS  Y3, Y5, Y3
	VMOVUPS Y0, (DI)(AX*4)
	VMOVUPS Y1, 32(DI)(AX*4)
	VMOVUPS Y2, 64(DI)(AX*4)
	VMOVUPS Y3, 96(DI)(AX*4)
	ADDQ    $32, AX
	JMP     relu32

relu8:
	CMPQ    AX, CX
	JGE     reludone
	VMOVUPS (SI)(AX*4), Y0
	VMAXPS  Y0, Y5, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	JMP     relu8

reludone:
	VZEROUPPER
	RET

// func reluGradAsm(dst, g, y []float32)
TEXT ·reluGradAsm(SB), NOSPLIT, $0-72
	MOVQ   dst_base+0(FP), DI
	MOVQ   dst_len+8(FP), CX
	MOVQ   g_base+24(FP), SI
	MOVQ   y_base+48(FP), DX
	VXORPS Y5, Y5, Y5
	XORQ   AX, AX
	MOVQ   CX, BX
	ANDQ   $-16, BX

rg16:
	CMPQ    AX, BX
	JGE     rg8
	VMOVUPS (DX)(AX*4), Y0
	VMOVUPS 32(DX)(AX*4), Y1
	VCMPPS  $0x16, Y5, Y0, Y0
	VCMPPS  $0x16, Y5, Y1, Y1
	VANDPS  (SI)(AX*4), Y0, Y0
	VANDPS  32(SI)(AX*4), Y1, Y1
	VMOVUPS Y0, (DI)(AX*4)
	VMOVUPS Y1, 32(DI)(AX*4)
	ADDQ    $16, AX
	JMP     rg16

rg8:
	CMPQ    AX, CX
	JGE     rgdone
	VMOVUPS (DX)(AX*4), Y0
	VCMPPS  $0x16, Y5, Y0, Y0
	VANDPS  (SI)(AX*4), Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	JMP     rg8

rgdone:
	VZEROUPPER
	RET

// func maximumAsm(dst, x, y []float32)
TEXT ·maximumAsm(SB), NOSPLIT, $0-72
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ x_base+24(FP), SI
	MOVQ y_base+48(FP), DX
	XORQ AX, AX

mx8:
	CMPQ      AX, CX
	JGE       mxdone
	VMOVUPS   (SI)(AX*4), Y0
	VMOVUPS   (DX)(AX*4), Y1
	VMAXPS    Y1, Y0, Y2
	VCMPPS    $3, Y1, Y0, Y3
	VADDPS    Y1, Y0, Y4
	VBLENDVPS Y3, Y4, Y2, Y2
	VMOVUPS   Y2, (DI)(AX*4)
	ADDQ      $8, AX
	JMP       mx8

mxdone:
	VZEROUPPER
	RET
