//go:build amd64 && !purego

#include "textflag.h"

// Small functions on which the emulator is checked against the CPU: the
// AVX2, FMA and integer ones run both natively and emulated, the AVX-512
// ones (Axpy512, AxpyPD512, Mask512) only emulated. See funcs_amd64.go for
// their contracts.

// func Axpy(n int, a float32, x, y *float32)
TEXT ·Axpy(SB), NOSPLIT, $0-32
	MOVQ         n+0(FP), CX
	VBROADCASTSS a+8(FP), Y0
	MOVQ         x+16(FP), SI
	MOVQ         y+24(FP), DI
	MOVQ         CX, DX
	SHRQ         $3, CX
	JEQ          tail

loop:
	PREFETCHT0  512(SI) // past the end: prefetches never fault
	VMOVUPS     (DI), Y1
	VFMADD231PS (SI), Y0, Y1
	VMOVUPS     Y1, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        CX
	JNE         loop

tail:
	ANDQ $7, DX
	JEQ  done

tailloop:
	VMOVSS      (DI), X1
	VFMADD231SS (SI), X0, X1
	VMOVSS      X1, (DI)
	ADDQ        $4, SI
	ADDQ        $4, DI
	DECQ        DX
	JNE         tailloop

done:
	VZEROUPPER
	RET

// func Dot(x, y *float32, n int) (sum float32, blocks int)
TEXT ·Dot(SB), NOSPLIT, $32-40
	MOVQ   x+0(FP), SI
	MOVQ   y+8(FP), DI
	MOVQ   n+16(FP), DX
	VXORPS Y0, Y0, Y0
	XORQ   CX, CX
	MOVQ   DX, BX
	ANDQ   $-8, BX
	JMP    cond

loop:
	VMOVUPS (SI)(CX*4), Y1
	VMULPS  (DI)(CX*4), Y1, Y1
	VADDPS  Y1, Y0, Y0
	ADDQ    $8, CX

cond:
	CMPQ CX, BX
	JLT  loop

	// Sum the 8 lanes through the local frame.
	VMOVUPS Y0, 0(SP)
	VMOVSS  0(SP), X0
	VADDSS  4(SP), X0, X0
	VADDSS  8(SP), X0, X0
	VADDSS  12(SP), X0, X0
	VADDSS  16(SP), X0, X0
	VADDSS  20(SP), X0, X0
	VADDSS  24(SP), X0, X0
	VADDSS  28(SP), X0, X0

tail:
	CMPQ   CX, DX
	JGE    done
	VMOVSS (SI)(CX*4), X1
	VMULSS (DI)(CX*4), X1, X1
	VADDSS X1, X0, X0
	INCQ   CX
	JMP    tail

done:
	VMOVSS X0, sum+24(FP)
	SHRQ   $3, BX
	MOVQ   BX, blocks+32(FP)
	VZEROUPPER
	RET

// func Gemm8(m, k int, a *float32, lda int, b, c *float32)
TEXT ·Gemm8(SB), NOSPLIT, $0-48
	MOVQ m+0(FP), R8
	MOVQ k+8(FP), R9
	MOVQ a+16(FP), SI
	MOVQ lda+24(FP), R10
	MOVQ b+32(FP), R11
	MOVQ c+40(FP), DI
	XORL AX, AX
	JMP  icond

iloop:
	MOVQ   AX, BX
	IMULQ  R10, BX
	LEAQ   (SI)(BX*4), R12
	IMUL3Q $32, AX, DX
	VMOVUPS (DI)(DX*1), Y0
	XORL   CX, CX
	MOVQ   R11, R13
	JMP    pcond

ploop:
	VBROADCASTSS (R12)(CX*4), Y1
	VMOVUPS      (R13), Y2
	VFMADD231PS  Y2, Y1, Y0
	ADDQ         $32, R13
	INCQ         CX

pcond:
	CMPQ CX, R9
	JLT  ploop
	VMOVUPS Y0, (DI)(DX*1)
	INCQ    AX

icond:
	CMPQ AX, R8
	JLT  iloop
	VZEROUPPER
	RET

// func OpsPS(x, y, z, out *float32)
TEXT ·OpsPS(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DX
	MOVQ z+16(FP), BX
	MOVQ out+24(FP), DI
	VMOVUPS (SI), Y0
	VMOVUPS (DX), Y1
	VMOVUPS (BX), Y2
	VADDPS  Y1, Y0, Y3
	VMOVUPS Y3, 0(DI)
	VSUBPS  Y1, Y0, Y3
	VMOVUPS Y3, 32(DI)
	VMULPS  Y1, Y0, Y3
	VMOVUPS Y3, 64(DI)
	VDIVPS  Y1, Y0, Y3
	VMOVUPS Y3, 96(DI)
	VMAXPS  Y1, Y0, Y3
	VMOVUPS Y3, 128(DI)
	VMINPS  Y1, Y0, Y3
	VMOVUPS Y3, 160(DI)
	VMOVAPS Y2, Y3
	VFMADD231PS Y1, Y0, Y3
	VMOVUPS Y3, 192(DI)
	VMOVAPS Y2, Y3
	VFMADD213PS Y1, Y0, Y3
	VMOVUPS Y3, 224(DI)
	VMOVAPS Y2, Y3
	VFMADD132PS Y1, Y0, Y3
	VMOVUPS Y3, 256(DI)
	VMOVUPS Y2, Y3
	VFMADD231PS (DX), Y0, Y3
	VMOVUPS Y3, 288(DI)
	VSUBPS  (BX), Y0, Y3
	VMOVUPS Y3, 320(DI)
	VXORPS  Y1, Y0, Y3
	VMOVUPS Y3, 352(DI)
	VPXOR   Y2, Y0, Y3
	VMOVUPS Y3, 384(DI)
	VMOVAPS Y2, Y3
	VADDSS  X1, X0, X3
	VMOVUPS Y3, 416(DI)
	VMOVAPS Y2, Y3
	VMOVSS  X1, X0, X3
	VMOVUPS Y3, 448(DI)
	VBROADCASTSS X1, Y3
	VMOVUPS Y3, 480(DI)
	VMOVAPS Y2, Y3
	VFMADD231SS X1, X0, X3
	VMOVUPS Y3, 512(DI)
	VMOVAPS Y2, Y3
	VMOVSS  4(DX), X3
	VMOVUPS Y3, 544(DI)
	VBROADCASTSS 8(BX), Y3
	VMOVUPS Y3, 576(DI)
	VMOVAPS Y2, Y3
	VMULSS  (DX), X0, X3
	VMOVUPS Y3, 608(DI)
	VMOVAPS Y2, Y3
	VMAXSS  X1, X0, X3
	VMOVUPS Y3, 640(DI)
	VDIVPS  (DX), Y2, Y3
	VMOVUPS Y3, 672(DI)
	VMOVUPS X0, 704(DI)
	VMOVAPS Y2, Y3
	VMINSS  X1, X0, X3
	VMOVUPS Y3, 736(DI)
	VMOVAPS Y2, Y3
	VFMADD213SS (DX), X0, X3
	VMOVUPS Y3, 768(DI)
	VMOVAPS Y2, Y3
	VFMADD132PS (BX), Y1, Y3
	VMOVUPS Y3, 800(DI)
	VMOVAPS Y2, Y3
	VZEROUPPER
	VMOVUPS Y3, 832(DI)
	VZEROALL
	VMOVUPS Y3, 864(DI)
	RET

// func OpsPD(x, y, z, out *float64)
TEXT ·OpsPD(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DX
	MOVQ z+16(FP), BX
	MOVQ out+24(FP), DI
	VMOVUPD (SI), Y0
	VMOVUPD (DX), Y1
	VMOVAPD (BX), Y2
	VADDPD  Y1, Y0, Y3
	VMOVUPD Y3, 0(DI)
	VSUBPD  Y1, Y0, Y3
	VMOVUPD Y3, 32(DI)
	VMULPD  Y1, Y0, Y3
	VMOVUPD Y3, 64(DI)
	VDIVPD  Y1, Y0, Y3
	VMOVUPD Y3, 96(DI)
	VMAXPD  Y1, Y0, Y3
	VMOVUPD Y3, 128(DI)
	VMINPD  Y1, Y0, Y3
	VMOVUPD Y3, 160(DI)
	VMOVAPD Y2, Y3
	VFMADD231PD Y1, Y0, Y3
	VMOVUPD Y3, 192(DI)
	VMOVAPD Y2, Y3
	VFMADD213PD Y1, Y0, Y3
	VMOVUPD Y3, 224(DI)
	VMOVAPD Y2, Y3
	VFMADD132PD (DX), Y0, Y3
	VMOVUPD Y3, 256(DI)
	VXORPD  Y1, Y0, Y3
	VMOVUPD Y3, 288(DI)
	VMOVAPD Y2, Y3
	VADDSD  X1, X0, X3
	VMOVUPD Y3, 320(DI)
	VMOVAPD Y2, Y3
	VMOVSD  X1, X0, X3
	VMOVUPD Y3, 352(DI)
	VBROADCASTSD X1, Y3
	VMOVUPD Y3, 384(DI)
	VBROADCASTSD 16(BX), Y3
	VMOVUPD Y3, 416(DI)
	VMOVAPD Y2, Y3
	VMOVSD  8(DX), X3
	VMOVUPD Y3, 448(DI)
	VMOVAPD Y2, Y3
	VFMADD231SD (BX), X1, X3
	VMOVUPD Y3, 480(DI)
	VMOVAPD Y2, Y3
	VSUBSD  (DX), X0, X3
	VMOVUPD Y3, 512(DI)
	VMOVSD  X0, 544(DI)
	VZEROUPPER
	RET

// func CopyAligned(dst, src *float32)
TEXT ·CopyAligned(SB), NOSPLIT, $0-16
	MOVQ    dst+0(FP), DI
	MOVQ    src+8(FP), SI
	VMOVAPS (SI), Y0
	VMOVAPS Y0, (DI)
	VZEROUPPER
	RET

// func Axpy512(n int, a float32, x, y *float32)
TEXT ·Axpy512(SB), NOSPLIT, $0-32
	MOVQ         n+0(FP), CX
	MOVQ         x+16(FP), SI
	MOVQ         y+24(FP), DI
	VBROADCASTSS a+8(FP), Z16
	MOVQ         CX, DX
	SHRQ         $4, CX
	JEQ          tail

loop:
	VMOVUPS     (SI), Z17
	VFMADD213PS (DI), Z16, Z17
	VMOVUPS     Z17, (DI)
	ADDQ        $64, SI
	ADDQ        $64, DI
	DECQ        CX
	JNE         loop

tail:
	ANDQ $15, DX
	JEQ  done
	MOVQ DX, CX
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1
	LEAQ  a+8(FP), BX
	VMOVUPS.Z        (SI), K1, Z17
	VMOVUPS          (DI), K1, Z18
	VFMADD231PS.BCST (BX), Z17, Z18
	VMOVUPS          Z18, K1, (DI)

done:
	VZEROUPPER
	RET

// func AxpyPD512(n int, a float64, x, y *float64)
TEXT ·AxpyPD512(SB), NOSPLIT, $0-32
	MOVQ         n+0(FP), CX
	MOVQ         x+16(FP), SI
	MOVQ         y+24(FP), DI
	VBROADCASTSD a+8(FP), Z2
	LEAQ         a+8(FP), BX
	MOVQ         CX, DX
	SHRQ         $3, CX
	JEQ          tail

loop:
	VMOVUPD     (SI), Z1
	VMULPD.BCST (BX), Z1, Z1
	VADDPD      (DI), Z1, Z1
	VMOVUPD     Z1, (DI)
	ADDQ        $64, SI
	ADDQ        $64, DI
	DECQ        CX
	JNE         loop

tail:
	ANDQ  $7, DX
	JEQ   done
	MOVQ  DX, CX
	MOVL  $1, AX
	SHLL  CX, AX
	DECL  AX
	KMOVB AX, K2
	VMOVUPD.Z (SI), K2, Z1
	VMULPD    Z2, Z1, K2, Z1
	VADDPD.Z  (DI), Z1, K2, Z25
	VMOVUPD   Z25, K2, (DI)

done:
	VZEROUPPER
	RET

// func Mask512(n int) (m int)
TEXT ·Mask512(SB), NOSPLIT, $0-16
	MOVQ  n+0(FP), CX
	MOVQ  $1, AX
	SHLQ  CX, AX
	DECQ  AX
	KMOVQ AX, K3
	KMOVW K3, K4
	KMOVW K4, BX
	MOVQ  BX, m+8(FP)
	RET

// func Unsupported(x *float32)
TEXT ·Unsupported(SB), NOSPLIT, $0-8
	MOVQ    x+0(FP), AX
	VSQRTPS (AX), Y0
	VMOVUPS Y0, (AX)
	VZEROUPPER
	RET

// func TailJump(n int, a float32, x, y *float32)
TEXT ·TailJump(SB), NOSPLIT, $0-32
	JMP ·Axpy(SB)

// func Flags(op, a, b int) (r, cond int)
TEXT ·Flags(SB), NOSPLIT, $0-40
	MOVQ op+0(FP), DX
	MOVQ a+8(FP), AX
	MOVQ b+16(FP), BX
	XORL R9, R9
	CMPQ DX, $0
	JEQ op0
	CMPQ DX, $1
	JEQ op1
	CMPQ DX, $2
	JEQ op2
	CMPQ DX, $3
	JEQ op3
	CMPQ DX, $4
	JEQ op4
	CMPQ DX, $5
	JEQ op5
	CMPQ DX, $6
	JEQ op6
	CMPQ DX, $7
	JEQ op7
	CMPQ DX, $8
	JEQ op8
	CMPQ DX, $9
	JEQ op9
	CMPQ DX, $10
	JEQ op10
	CMPQ DX, $11
	JEQ op11
	CMPQ DX, $12
	JEQ op12
	CMPQ DX, $13
	JEQ op13
	CMPQ DX, $14
	JEQ op14
	CMPQ DX, $15
	JEQ op15
	CMPQ DX, $16
	JEQ op16
	CMPQ DX, $17
	JEQ op17
	CMPQ DX, $18
	JEQ op18
	CMPQ DX, $19
	JEQ op19
	CMPQ DX, $20
	JEQ op20
	CMPQ DX, $21
	JEQ op21
	CMPQ DX, $22
	JEQ op22
	CMPQ DX, $23
	JEQ op23
	CMPQ DX, $24
	JEQ op24
	CMPQ DX, $25
	JEQ op25
	CMPQ DX, $26
	JEQ op26
	CMPQ DX, $27
	JEQ op27
	CMPQ DX, $28
	JEQ op28
	CMPQ DX, $29
	JEQ op29
	CMPQ DX, $30
	JEQ op30
	CMPQ DX, $31
	JEQ op31
	CMPQ DX, $32
	JEQ op32
	CMPQ DX, $33
	JEQ op33
	CMPQ DX, $34
	JEQ op34
	CMPQ DX, $35
	JEQ op35
	CMPQ DX, $36
	JEQ op36
	CMPQ DX, $37
	JEQ op37
	CMPQ DX, $38
	JEQ op38
	CMPQ DX, $39
	JEQ op39
	JMP conds
op0:
	ADDQ BX, AX
	JMP conds
op1:
	SUBQ BX, AX
	JMP conds
op2:
	CMPQ AX, BX
	JMP conds
op3:
	ANDQ BX, AX
	JMP conds
op4:
	ORQ BX, AX
	JMP conds
op5:
	XORQ BX, AX
	JMP conds
op6:
	TESTQ BX, AX
	JMP conds
op7:
	CMPQ AX, BX
	INCQ AX
	JMP conds
op8:
	CMPQ BX, AX
	DECQ AX
	JMP conds
op9:
	NEGQ AX
	JMP conds
op10:
	IMULQ BX, AX
	JMP conds
op11:
	IMUL3Q $0x12345, BX, AX
	JMP conds
op12:
	SHLQ $3, AX
	JMP conds
op13:
	SHRQ $1, AX
	JMP conds
op14:
	SARQ $5, AX
	JMP conds
op15:
	MOVQ BX, CX
	SHLQ CX, AX
	JMP conds
op16:
	MOVQ BX, CX
	SHRQ CX, AX
	JMP conds
op17:
	MOVQ BX, CX
	SARQ CX, AX
	JMP conds
op18:
	ADDL BX, AX
	JMP conds
op19:
	SUBL BX, AX
	JMP conds
op20:
	IMULL BX, AX
	JMP conds
op21:
	MOVQ BX, CX
	SHLL CX, AX
	JMP conds
op22:
	ADDQ b+16(FP), AX
	JMP conds
op23:
	SUBQ BX, a+8(FP)
	MOVQ a+8(FP), AX
	JMP conds
op24:
	LEAQ 7(AX)(BX*8), AX
	JMP conds
op25:
	MOVL AX, AX
	JMP conds
op26:
	NEGL AX
	JMP conds
op27:
	CMPL BX, AX
	DECL AX
	JMP conds
op28:
	CMPL AX, BX
	JMP conds
op29:
	TESTL BX, AX
	JMP conds
op30:
	MOVQ BX, CX
	SARL CX, AX
	JMP conds
op31:
	XORL BX, AX
	JMP conds
op32:
	ANDQ $-16, AX
	JMP conds
op33:
	CMPQ AX, $5
	JMP conds
op34:
	IMULQ $-3, AX
	JMP conds
op35:
	SHLQ $1, AX
	JMP conds
op36:
	SARL $1, AX
	JMP conds
op37:
	LEAL -3(AX)(BX*4), AX
	JMP conds
op38:
	ORL $-256, AX
	JMP conds
op39:
	INCL AX
	JMP conds

conds:
	// Record the 12 conditions without touching the flags: LEAQ and MOVQ
	// do not change them.
	MOVQ AX, r+24(FP)
	LEAQ (R9)(R9*1), R9
	JEQ c0t
	JMP c0n
c0t:
	LEAQ 1(R9), R9
c0n:
	LEAQ (R9)(R9*1), R9
	JNE c1t
	JMP c1n
c1t:
	LEAQ 1(R9), R9
c1n:
	LEAQ (R9)(R9*1), R9
	JLT c2t
	JMP c2n
c2t:
	LEAQ 1(R9), R9
c2n:
	LEAQ (R9)(R9*1), R9
	JLE c3t
	JMP c3n
c3t:
	LEAQ 1(R9), R9
c3n:
	LEAQ (R9)(R9*1), R9
	JGT c4t
	JMP c4n
c4t:
	LEAQ 1(R9), R9
c4n:
	LEAQ (R9)(R9*1), R9
	JGE c5t
	JMP c5n
c5t:
	LEAQ 1(R9), R9
c5n:
	LEAQ (R9)(R9*1), R9
	JCS c6t
	JMP c6n
c6t:
	LEAQ 1(R9), R9
c6n:
	LEAQ (R9)(R9*1), R9
	JLS c7t
	JMP c7n
c7t:
	LEAQ 1(R9), R9
c7n:
	LEAQ (R9)(R9*1), R9
	JHI c8t
	JMP c8n
c8t:
	LEAQ 1(R9), R9
c8n:
	LEAQ (R9)(R9*1), R9
	JCC c9t
	JMP c9n
c9t:
	LEAQ 1(R9), R9
c9n:
	LEAQ (R9)(R9*1), R9
	JMI c10t
	JMP c10n
c10t:
	LEAQ 1(R9), R9
c10n:
	LEAQ (R9)(R9*1), R9
	JPL c11t
	JMP c11n
c11t:
	LEAQ 1(R9), R9
c11n:
	MOVQ R9, cond+32(FP)
	RET
