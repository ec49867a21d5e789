//go:build amd64 && !purego

#include "textflag.h"
#include "consts_amd64.h"
#include "math_amd64.h"
#include "reduce_amd64.h"

// Reductions and softmax row primitives on whole blocks of 8 float32s.
// Sums accumulate in float64 (each 8 floats widened to two vectors of 4).

// func sumAsm(x []float32) float64
TEXT ·sumAsm(SB), NOSPLIT, $0-32
	MOVQ   x_base+0(FP), SI
	MOVQ   x_len+8(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	XORQ   AX, AX
	MOVQ   CX, BX
	ANDQ   $-16, BX

sum16:
	CMPQ      AX, BX
	JGE       sum8
	VCVTPS2PD (SI)(AX*4), Y4
	VCVTPS2PD 16(SI)(AX*4), Y5
	VCVTPS2PD 32(SI)(AX*4), Y6
	VCVTPS2PD 48(SI)(AX*4), Y7
	VADDPD    Y4, Y0, Y0
	VADDPD    Y5, Y1, Y1
	VADDPD    Y6, Y2, Y2
	VADDPD    Y7, Y3, Y3
	ADDQ      $16, AX
	JMP       sum16

sum8:
	CMPQ      AX, CX
	JGE       sumdone
	VCVTPS2PD (SI)(AX*4), Y4
	VCVTPS2PD 16(SI)(AX*4), Y5
	VADDPD    Y4, Y0, Y0
	VADDPD    Y5, Y1, Y1
	ADDQ      $8, AX
	JMP       sum8

sumdone:
	VADDPD Y1, Y0, Y0
	VADDPD Y3, Y2, Y2
	VADDPD Y2, Y0, Y0
	HSUMPD
	VMOVSD X0, ret+24(FP)
	VZEROUPPER
	RET

// func dotAsm(x, y []float32) float64
TEXT ·dotAsm(SB), NOSPLIT, $0-56
	MOVQ   x_base+0(FP), SI
	MOVQ   x_len+8(FP), CX
	MOVQ   y_base+24(FP), DX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	XORQ   AX, AX

dot8:
	CMPQ        AX, CX
	JGE         dotdone
	VCVTPS2PD   (SI)(AX*4), Y4
	VCVTPS2PD   (DX)(AX*4), Y5
	VFMADD231PD Y5, Y4, Y0
	VCVTPS2PD   16(SI)(AX*4), Y6
	VCVTPS2PD   16(DX)(AX*4), Y7
	VFMADD231PD Y7, Y6, Y1
	ADDQ        $8, AX
	JMP         dot8

dotdone:
	VADDPD Y1, Y0, Y0
	HSUMPD
	VMOVSD X0, ret+48(FP)
	VZEROUPPER
	RET

// func maxAsm(x []float32) float32
TEXT ·maxAsm(SB), NOSPLIT, $0-28
	MOVQ    x_base+0(FP), SI
	MOVQ    x_len+8(FP), CX
	VMOVUPS neginf<>(SB), Y0
	VMOVUPS Y0, Y1
	VXORPS  Y2, Y2, Y2
	XORQ    AX, AX
	MOVQ    CX, BX
	ANDQ    $-16, BX

max16:
	CMPQ    AX, BX
	JGE     max8
	VMOVUPS (SI)(AX*4), Y4
	VMOVUPS 32(SI)(AX*4), Y5
	VCMPPS  $3, Y4, Y4, Y6
	VCMPPS  $3, Y5, Y5, Y7
	VORPS   Y6, Y2, Y2
	VORPS   Y7, Y2, Y2
	VMAXPS  Y4, Y0, Y0
	VMAXPS  Y5, Y1, Y1
	ADDQ    $16, AX
	JMP     max16

max8:
	CMPQ    AX, CX
	JGE     maxdone
	VMOVUPS (SI)(AX*4), Y4
	VCMPPS  $3, Y4, Y4, Y6
	VORPS   Y6, Y2, Y2
	VMAXPS  Y4, Y0, Y0
	ADDQ    $8, AX
	JMP     max8

maxdone:
	VPTEST       Y2, Y2
	JNZ          maxnan
	VMAXPS       Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VMAXPS       X1, X0, X0
	VPERMILPS    $0x4e, X0, X1
	VMAXPS       X1, X0, X0
	VPERMILPS    $0xb1, X0, X1
	VMAXPS       X1, X0, X0
	VMOVSS       X0, ret+24(FP)
	VZEROUPPER
	RET

maxnan:
	MOVL $0x7fc00000, ret+24(FP)
	VZEROUPPER
	RET

// func expShiftAsm(dst, x []float32, shift float32) float64
TEXT ·expShiftAsm(SB), NOSPLIT, $0-64
	MOVQ         dst_base+0(FP), DI
	MOVQ         x_base+24(FP), SI
	MOVQ         x_len+32(FP), CX
	VBROADCASTSS shift+48(FP), Y15
	VXORPD       Y13, Y13, Y13
	VXORPD       Y14, Y14, Y14
	XORQ         AX, AX

es16:
	LEAQ         16(AX), R8
	CMPQ         R8, CX
	JGT          es8
	EXPSHIFTSUM2(SI, DI, Y15, Y13, Y14)
	MOVQ         R8, AX
	JMP          es16

es8:
	CMPQ         AX, CX
	JGE          esdone
	EXPSHIFTSUM(SI, DI, Y15, Y13, Y14)
	ADDQ         $8, AX
	JMP          es8

esdone:
	VADDPD Y14, Y13, Y0
	HSUMPD
	VMOVSD X0, ret+56(FP)
	VZEROUPPER
	RET

// func expShiftSumAsm(x []float32, shift float32) float64
TEXT ·expShiftSumAsm(SB), NOSPLIT, $0-40
	MOVQ         x_base+0(FP), SI
	MOVQ         x_len+8(FP), CX
	VBROADCASTSS shift+24(FP), Y15
	VXORPD       Y13, Y13, Y13
	VXORPD       Y14, Y14, Y14
	XORQ         AX, AX

ess8:
	CMPQ         AX, CX
	JGE          essdone
	VMOVUPS      (SI)(AX*4), Y0
	VSUBPS       Y15, Y0, Y0
	EXPV(Y0, Y1, Y2, Y3, Y4)
	VCVTPS2PD    X0, Y1
	VEXTRACTF128 $1, Y0, X2
	VCVTPS2PD    X2, Y2
	VADDPD       Y1, Y13, Y13
	VADDPD       Y2, Y14, Y14
	ADDQ         $8, AX
	JMP          ess8

essdone:
	VADDPD Y14, Y13, Y0
	HSUMPD
	VMOVSD X0, ret+32(FP)
	VZEROUPPER
	RET

// func subMulAsm(dst, a []float32, s float32, b []float32)
TEXT ·subMulAsm(SB), NOSPLIT, $0-80
	MOVQ         dst_base+0(FP), DI
	MOVQ         dst_len+8(FP), CX
	MOVQ         a_base+24(FP), SI
	VBROADCASTSS s+48(FP), Y15
	MOVQ         b_base+56(FP), DX
	XORQ         AX, AX

sm8:
	CMPQ    AX, CX
	JGE     smdone
	VMOVUPS (SI)(AX*4), Y0
	VSUBPS  Y15, Y0, Y0
	VMULPS  (DX)(AX*4), Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	JMP     sm8

smdone:
	VZEROUPPER
	RET

// func subScaledAsm(dst, a, b []float32, s float32)
TEXT ·subScaledAsm(SB), NOSPLIT, $0-76
	MOVQ         dst_base+0(FP), DI
	MOVQ         dst_len+8(FP), CX
	MOVQ         a_base+24(FP), SI
	MOVQ         b_base+48(FP), DX
	VBROADCASTSS s+72(FP), Y15
	XORQ         AX, AX

ss8:
	CMPQ    AX, CX
	JGE     ssdone
	VMULPS  (DX)(AX*4), Y15, Y1
	VMOVUPS (SI)(AX*4), Y0
	VSUBPS  Y1, Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	JMP     ss8

ssdone:
	VZEROUPPER
	RET

// func accumulateAsm(acc []float64, x []float32)
TEXT ·accumulateAsm(SB), NOSPLIT, $0-48
	MOVQ acc_base+0(FP), DI
	MOVQ acc_len+8(FP), CX
	MOVQ x_base+24(FP), SI
	XORQ AX, AX

acc8:
	CMPQ      AX, CX
	JGE       accdone
	VCVTPS2PD (SI)(AX*4), Y0
	VCVTPS2PD 16(SI)(AX*4), Y1
	VADDPD    (DI)(AX*8), Y0, Y0
	VADDPD    32(DI)(AX*8), Y1, Y1
	VMOVUPD   Y0, (DI)(AX*8)
	VMOVUPD   Y1, 32(DI)(AX*8)
	ADDQ      $8, AX
	JMP       acc8

accdone:
	VZEROUPPER
	RET

// COLS2 adds the 8 float32s at off(DX) into the float64 accumulators lo, hi.
#define COLS2(off, lo, hi) \
	VCVTPS2PD off(DX), Y8;    \
	VADDPD    Y8, lo, lo;     \
	VCVTPS2PD off+16(DX), Y9; \
	VADDPD    Y9, hi, hi

// ACCOUT adds the accumulator v into the 4 float64s at off(DX).
#define ACCOUT(off, v) \
	VADDPD  off(DX), v, v; \
	VMOVUPD v, off(DX)

// func accumulateRowsAsm(acc []float64, x []float32, rows, stride int)
//
// Columns go 32 at a time (eight float64 accumulators), then 8 at a time;
// each strip walks all the rows before its sums are added into acc.
TEXT ·accumulateRowsAsm(SB), NOSPLIT, $0-64
	MOVQ acc_base+0(FP), DI
	MOVQ acc_len+8(FP), CX
	MOVQ x_base+24(FP), SI
	MOVQ rows+48(FP), R8
	MOVQ stride+56(FP), R9
	SHLQ $2, R9
	XORQ AX, AX

ar32:
	MOVQ   CX, BX
	SUBQ   AX, BX
	CMPQ   BX, $32
	JLT    ar8
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	LEAQ   (SI)(AX*4), DX
	MOVQ   R8, R10

ar32row:
	COLS2(0, Y0, Y1)
	COLS2(32, Y2, Y3)
	COLS2(64, Y4, Y5)
	COLS2(96, Y6, Y7)
	ADDQ R9, DX
	DECQ R10
	JNZ  ar32row
	LEAQ (DI)(AX*8), DX
	ACCOUT(0, Y0)
	ACCOUT(32, Y1)
	ACCOUT(64, Y2)
	ACCOUT(96, Y3)
	ACCOUT(128, Y4)
	ACCOUT(160, Y5)
	ACCOUT(192, Y6)
	ACCOUT(224, Y7)
	ADDQ $32, AX
	JMP  ar32

ar8:
	CMPQ   AX, CX
	JGE    ardone
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	LEAQ   (SI)(AX*4), DX
	MOVQ   R8, R10

ar8row:
	COLS2(0, Y0, Y1)
	ADDQ R9, DX
	DECQ R10
	JNZ  ar8row
	LEAQ (DI)(AX*8), DX
	ACCOUT(0, Y0)
	ACCOUT(32, Y1)
	ADDQ $8, AX
	JMP  ar8

ardone:
	VZEROUPPER
	RET
