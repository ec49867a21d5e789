//go:build amd64 && !purego

#include "textflag.h"
#include "consts_amd64.h"
#include "math_amd64.h"

// The fused LSTM cell (LSTMCellRow) on the blocks of a row. Registers: SI,
// R13, R14 and BX are the input, forget, cell and output gates' blocks of
// g, R9..R12 cPrev, c, tc and h, AX the element index, CX the elements to
// do. Two blocks go a round, each stage's two dependency chains
// interleaved (SIGMOIDV2, TANHV2); a last odd block goes alone. Every
// operation is the separate kernels' (SIGMOIDV, TANHV, VMULPS, VADDPS), in
// their order, so the results are the same bits.

// GATE2(base, F2) applies F2 (on Y0 and Y8) to two blocks of a gate.
#define GATE2(base, F2) \
	VMOVUPS (base)(AX*4), Y0   \
	VMOVUPS 32(base)(AX*4), Y8 \
	F2                         \
	VMOVUPS Y0, (base)(AX*4)   \
	VMOVUPS Y8, 32(base)(AX*4)

// GATE1(base, F) applies F (on Y0) to one block of a gate.
#define GATE1(base, F) \
	VMOVUPS (base)(AX*4), Y0 \
	F                        \
	VMOVUPS Y0, (base)(AX*4)

// CSTATE(off, X, T) sets X = c = f·cPrev + i·g for the block at byte offset
// off and stores it, scratch T.
#define CSTATE(off, X, T) \
	VMOVUPS off(R13)(AX*4), X     \
	VMULPS  off(R9)(AX*4), X, X   \
	VMOVUPS off(SI)(AX*4), T      \
	VMULPS  off(R14)(AX*4), T, T  \
	VADDPS  T, X, X               \
	VMOVUPS X, off(R10)(AX*4)

// HOUT(off, X) stores tc = X and h = o·X for the block at byte offset off.
#define HOUT(off, X) \
	VMOVUPS X, off(R11)(AX*4)    \
	VMULPS  off(BX)(AX*4), X, X  \
	VMOVUPS X, off(R12)(AX*4)

// func lstmCellAsm(g, cPrev, c, tc, h []float32, m int)
TEXT ·lstmCellAsm(SB), NOSPLIT, $0-128
	MOVQ g_base+0(FP), SI
	MOVQ g_len+8(FP), R8
	SHRQ $2, R8             // hid = len(g)/4 elements
	SHLQ $2, R8             // in bytes
	LEAQ (SI)(R8*1), R13
	LEAQ (R13)(R8*1), R14
	LEAQ (R14)(R8*1), BX
	MOVQ cPrev_base+24(FP), R9
	MOVQ c_base+48(FP), R10
	MOVQ tc_base+72(FP), R11
	MOVQ h_base+96(FP), R12
	MOVQ m+120(FP), CX
	XORQ AX, AX

pair:
	LEAQ 16(AX), DI
	CMPQ DI, CX
	JGT  single
	GATE2(SI, SIGMOIDV2(Y0, Y1, Y2, Y3, Y4, Y5, Y8, Y9, Y10, Y11, Y12, Y13))
	GATE2(R13, SIGMOIDV2(Y0, Y1, Y2, Y3, Y4, Y5, Y8, Y9, Y10, Y11, Y12, Y13))
	GATE2(R14, TANHV2(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y8, Y9, Y10, Y11, Y12, Y13, Y14))
	GATE2(BX, SIGMOIDV2(Y0, Y1, Y2, Y3, Y4, Y5, Y8, Y9, Y10, Y11, Y12, Y13))
	CSTATE(0, Y0, Y1)
	CSTATE(32, Y8, Y9)
	TANHV2(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y8, Y9, Y10, Y11, Y12, Y13, Y14)
	HOUT(0, Y0)
	HOUT(32, Y8)
	MOVQ DI, AX
	JMP  pair

single:
	CMPQ AX, CX
	JGE  done
	GATE1(SI, SIGMOIDV(Y0, Y1, Y2, Y3, Y4, Y5))
	GATE1(R13, SIGMOIDV(Y0, Y1, Y2, Y3, Y4, Y5))
	GATE1(R14, TANHV(Y0, Y1, Y2, Y3, Y4, Y5, Y6))
	GATE1(BX, SIGMOIDV(Y0, Y1, Y2, Y3, Y4, Y5))
	CSTATE(0, Y0, Y1)
	TANHV(Y0, Y1, Y2, Y3, Y4, Y5, Y6)
	HOUT(0, Y0)
	ADDQ $8, AX
	JMP  single

done:
	VZEROUPPER
	RET
