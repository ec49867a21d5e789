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

// The fused LSTM cell's backward pass (LSTMCellBackwardRow), a block of 8
// hidden units a round: SI walks acts (the gate i; f, g and o are R8, 2·R8
// and R9 bytes further), DI dgates likewise, R10..R13 dh, tc, cPrev and
// dcf; CX counts the blocks. Every operation is the element-wise kernels'
// (VMULPS, VSUBPS, VADDPS) in the unfused step's order.

// func lstmCellBackwardAsm(dh, acts, tc, cPrev, dcf, dgates []float32, m int)
TEXT ·lstmCellBackwardAsm(SB), NOSPLIT, $0-152
	MOVQ dh_base+0(FP), R10
	MOVQ dh_len+8(FP), R8
	SHLQ $2, R8                // hid in bytes
	LEAQ (R8)(R8*2), R9        // 3·hid in bytes
	MOVQ acts_base+24(FP), SI
	MOVQ tc_base+48(FP), R11
	MOVQ cPrev_base+72(FP), R12
	MOVQ dcf_base+96(FP), R13
	MOVQ dgates_base+120(FP), DI
	MOVQ m+144(FP), CX
	SHRQ $3, CX

block:
	VMOVUPS (SI)(R9*1), Y0     // o
	VMULPS  (R10), Y0, Y1      // tmp = dh·o
	VMOVUPS (R11), Y3          // tc
	VMULPS  Y3, Y1, Y2         // tmp2 = tmp·tc
	VMULPS  Y0, Y2, Y4
	VSUBPS  Y4, Y2, Y4         // dO = tmp2 - tmp2·o
	VMOVUPS Y4, (DI)(R9*1)
	VMULPS  Y3, Y2, Y2         // tmp2·tc
	VSUBPS  Y2, Y1, Y5         // dc = tmp - tmp2·tc
	VADDPS  (R13), Y5, Y5      // + dcf
	VMOVUPS (SI), Y6           // i
	VMOVUPS (SI)(R8*1), Y8     // f
	VMOVUPS (SI)(R8*2), Y7     // g
	VMULPS  Y7, Y5, Y9         // dc·g
	VMULPS  Y6, Y9, Y9         // ·i
	VMULPS  Y6, Y9, Y10
	VSUBPS  Y10, Y9, Y9        // dI
	VMOVUPS Y9, (DI)
	VMULPS  (R12), Y5, Y9      // dc·cPrev
	VMULPS  Y8, Y9, Y9         // ·f
	VMULPS  Y8, Y9, Y10
	VSUBPS  Y10, Y9, Y9        // dF
	VMOVUPS Y9, (DI)(R8*1)
	VMULPS  Y6, Y5, Y9         // dc·i
	VMULPS  Y7, Y9, Y10        // ·g
	VMULPS  Y7, Y10, Y10       // ·g
	VSUBPS  Y10, Y9, Y9        // dG
	VMOVUPS Y9, (DI)(R8*2)
	VMULPS  Y8, Y5, Y5         // dcf = dc·f
	VMOVUPS Y5, (R13)
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $32, R10
	ADDQ    $32, R11
	ADDQ    $32, R12
	ADDQ    $32, R13
	DECQ    CX
	JNZ     block

	VZEROUPPER
	RET
