//go:build !purego

#include "textflag.h"

// T8X8S(base, off, rs) loads eight rows of 8 float32 (rows ls bytes apart
// from base), transposes them, and stores the eight columns at byte offset
// off of eight destination rows rs bytes apart at DI.
#define T8X8S(base, off, rs) \
	VMOVUPS     (base), Y0;          \
	VMOVUPS     (base)(R8*1), Y1;    \
	VMOVUPS     (base)(R8*2), Y2;    \
	VMOVUPS     (base)(R9*1), Y3;    \
	VMOVUPS     (base)(R8*4), Y4;    \
	VMOVUPS     (base)(R10*1), Y5;   \
	VMOVUPS     (base)(R9*2), Y6;    \
	VMOVUPS     (base)(R11*1), Y7;   \
	VUNPCKLPS   Y1, Y0, Y8;          \
	VUNPCKHPS   Y1, Y0, Y9;          \
	VUNPCKLPS   Y3, Y2, Y10;         \
	VUNPCKHPS   Y3, Y2, Y11;         \
	VUNPCKLPS   Y5, Y4, Y12;         \
	VUNPCKHPS   Y5, Y4, Y13;         \
	VUNPCKLPS   Y7, Y6, Y14;         \
	VUNPCKHPS   Y7, Y6, Y15;         \
	VSHUFPS     $0x44, Y10, Y8, Y0;  \
	VSHUFPS     $0xEE, Y10, Y8, Y1;  \
	VSHUFPS     $0x44, Y11, Y9, Y2;  \
	VSHUFPS     $0xEE, Y11, Y9, Y3;  \
	VSHUFPS     $0x44, Y14, Y12, Y4; \
	VSHUFPS     $0xEE, Y14, Y12, Y5; \
	VSHUFPS     $0x44, Y15, Y13, Y6; \
	VSHUFPS     $0xEE, Y15, Y13, Y7; \
	VPERM2F128  $0x20, Y4, Y0, Y8;   \
	VPERM2F128  $0x20, Y5, Y1, Y9;   \
	VPERM2F128  $0x20, Y6, Y2, Y10;  \
	VPERM2F128  $0x20, Y7, Y3, Y11;  \
	VPERM2F128  $0x31, Y4, Y0, Y12;  \
	VPERM2F128  $0x31, Y5, Y1, Y13;  \
	VPERM2F128  $0x31, Y6, Y2, Y14;  \
	VPERM2F128  $0x31, Y7, Y3, Y15;  \
	VMOVUPS     Y8, off(DI);         \
	VMOVUPS     Y9, off+rs(DI);      \
	VMOVUPS     Y10, off+2*rs(DI);   \
	VMOVUPS     Y11, off+3*rs(DI);   \
	VMOVUPS     Y12, off+4*rs(DI);   \
	VMOVUPS     Y13, off+5*rs(DI);   \
	VMOVUPS     Y14, off+6*rs(DI);   \
	VMOVUPS     Y15, off+7*rs(DI)

// T8X8(base, off) is T8X8S for 64-byte destination rows (16 lines), off
// choosing their first or second half.
#define T8X8(base, off) T8X8S(base, off, 64)

// LINEARGS(shift) loads the arguments (dst, src *T, ls, blocks int) of the
// line interleaves: DI = dst, SI = src, CX = blocks, R8 = ls in bytes (T of
// 1<<shift bytes), R9 = 3 ls, R10 = 5 ls, R11 = 7 ls, BX = line 8.
#define LINEARGS(shift) \
	MOVQ dst+0(FP), DI;    \
	MOVQ src+8(FP), SI;    \
	MOVQ ls+16(FP), R8;    \
	MOVQ blocks+24(FP), CX; \
	SHLQ $shift, R8;       \
	LEAQ (R8)(R8*2), R9;   \
	LEAQ (R8)(R8*4), R10;  \
	LEAQ (R9)(R8*4), R11;  \
	LEAQ (SI)(R8*8), BX

// func packLines16AVX2(dst, src *float32, ls, blocks int)
//
// Interleaves sixteen float32 lines (ls elements apart) into rows of 16:
// dst[p*16+r] = src[r*ls+p] for p < 8*blocks, eight k steps at a time as
// two 8×8 transposes.
TEXT ·packLines16AVX2(SB), NOSPLIT, $0-32
	LINEARGS(2)
	TESTQ CX, CX
	JLE  done

loop:
	T8X8(SI, 0)
	T8X8(BX, 32)
	ADDQ $32, SI
	ADDQ $32, BX
	ADDQ $512, DI
	DECQ CX
	JNZ  loop

done:
	VZEROUPPER
	RET

// func packRows16AVX2(dst, src *float32, rsb, kc, panels, pstride int)
//
// Packs `panels` full 16-column panels of kc rows of B (rows rsb elements
// apart, panels adjacent in each row) into dst, panel jp at dst +
// jp*pstride elements, row p of it at + 16p: each 64-byte line moves as two
// 32-byte vectors.
TEXT ·packRows16AVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ rsb+16(FP), R8
	MOVQ kc+24(FP), CX
	MOVQ panels+32(FP), R9
	MOVQ pstride+40(FP), R10
	SHLQ $2, R8
	SHLQ $2, R10
	TESTQ CX, CX
	JLE  pdone
	TESTQ R9, R9
	JLE  pdone

prow:
	MOVQ SI, AX // source line
	MOVQ DI, BX // destination of panel 0, this row
	MOVQ R9, DX

pline:
	VMOVUPS (AX), Y0
	VMOVUPS 32(AX), Y1
	VMOVUPS Y0, (BX)
	VMOVUPS Y1, 32(BX)
	ADDQ    $64, AX
	ADDQ    R10, BX
	DECQ    DX
	JNZ     pline

	ADDQ R8, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  prow

pdone:
	VZEROUPPER
	RET

// PAIRS6(a, b, c, off, rs) stores the two k steps that the 64-bit halves of
// the 128-bit registers a, b and c hold (rows 0-1, 2-3 and 4-5 of each
// step, interleaved by VUNPCKLPS/VUNPCKHPS) as two groups of 6 values at
// off(DI) and off+rs(DI).
#define PAIRS6(a, b, c, off, rs) \
	VMOVLPS a, off(DI);       \
	VMOVLPS b, off+8(DI);     \
	VMOVLPS c, off+16(DI);    \
	VMOVHPS a, off+rs(DI);    \
	VMOVHPS b, off+rs+8(DI);  \
	VMOVHPS c, off+rs+16(DI)

// LOAD6(base) loads 32 bytes of each of six lines, ls (R8) bytes apart
// from base (R9 = 3 ls, R10 = 5 ls), into Y0..Y5.
#define LOAD6(base) \
	VMOVUPS (base), Y0;        \
	VMOVUPS (base)(R8*1), Y1;  \
	VMOVUPS (base)(R8*2), Y2;  \
	VMOVUPS (base)(R9*1), Y3;  \
	VMOVUPS (base)(R8*4), Y4;  \
	VMOVUPS (base)(R10*1), Y5

// LINES6(base, off, rs) interleaves eight k steps of six float32 lines (ls
// bytes apart from base) into the 6 values at byte offset off of eight
// destination rows rs bytes apart at DI: six loads, row pairs interleaved,
// each step stored as three 64-bit pairs.
#define LINES6(base, off, rs) \
	LOAD6(base);                             \
	VUNPCKLPS    Y1, Y0, Y6;                 \
	VUNPCKHPS    Y1, Y0, Y7;                 \
	VUNPCKLPS    Y3, Y2, Y8;                 \
	VUNPCKHPS    Y3, Y2, Y9;                 \
	VUNPCKLPS    Y5, Y4, Y10;                \
	VUNPCKHPS    Y5, Y4, Y11;                \
	PAIRS6(X6, X8, X10, off, rs);            \
	PAIRS6(X7, X9, X11, off+2*rs, rs);       \
	VEXTRACTF128 $1, Y6, X6;                 \
	VEXTRACTF128 $1, Y8, X8;                 \
	VEXTRACTF128 $1, Y10, X10;               \
	VEXTRACTF128 $1, Y7, X7;                 \
	VEXTRACTF128 $1, Y9, X9;                 \
	VEXTRACTF128 $1, Y11, X11;               \
	PAIRS6(X6, X8, X10, off+4*rs, rs);       \
	PAIRS6(X7, X9, X11, off+6*rs, rs)

// func packLines6AVX2(dst, src *float32, ls, blocks int)
//
// Interleaves six float32 lines (ls elements apart) into rows of 6, the
// packed panel of a row-major A block: dst[p*6+r] = src[r*ls+p] for
// p < 8*blocks, eight k steps at a time (six loads, row pairs interleaved,
// each step's three pairs stored as 64-bit halves).
TEXT ·packLines6AVX2(SB), NOSPLIT, $0-32
	LINEARGS(2)
	TESTQ CX, CX
	JLE   done6

loop6:
	LINES6(SI, 0, 24)
	ADDQ         $32, SI
	ADDQ         $192, DI
	DECQ         CX
	JNZ          loop6

done6:
	VZEROUPPER
	RET

// func packLines14AVX2(dst, src *float32, ls, blocks int)
//
// Interleaves fourteen float32 lines (ls elements apart) into rows of 14,
// the packed panel of a row-major A block for the 14-row AVX-512 kernel:
// dst[p*14+r] = src[r*ls+p] for p < 8*blocks, eight k steps at a time
// (lines 0-7 as an 8×8 transpose, lines 8-13 as packLines6AVX2 does).
TEXT ·packLines14AVX2(SB), NOSPLIT, $0-32
	LINEARGS(2)
	TESTQ CX, CX
	JLE   done14

loop14:
	T8X8S(SI, 0, 56)
	LINES6(BX, 32, 56)
	ADDQ $32, SI
	ADDQ $32, BX
	ADDQ $448, DI
	DECQ CX
	JNZ  loop14

done14:
	VZEROUPPER
	RET

// DPAIRS6(a, b, c, off) stores one k step whose 128-bit pairs of float64
// rows 0-1, 2-3 and 4-5 are the low halves of a, b and c, as 6 values at
// off(DI).
#define DPAIRS6(a, b, c, off) \
	VMOVUPS a, off(DI);    \
	VMOVUPS b, off+16(DI); \
	VMOVUPS c, off+32(DI)

// DHIGHS6(a, b, c, off) is DPAIRS6 for the high halves of the 256-bit a,
// b and c.
#define DHIGHS6(a, b, c, off) \
	VEXTRACTF128 $1, a, off(DI);    \
	VEXTRACTF128 $1, b, off+16(DI); \
	VEXTRACTF128 $1, c, off+32(DI)

// func packLines6AVX2D(dst, src *float64, ls, blocks int)
//
// Interleaves six float64 lines (ls elements apart) into rows of 6, the
// packed panel of a row-major A block for the float64 kernel:
// dst[p*6+r] = src[r*ls+p] for p < 4*blocks, four k steps at a time (six
// loads, row pairs interleaved, each step stored as three 128-bit pairs).
TEXT ·packLines6AVX2D(SB), NOSPLIT, $0-32
	LINEARGS(3)
	TESTQ CX, CX
	JLE   done6d

loop6d:
	LOAD6(SI)
	VUNPCKLPD   Y1, Y0, Y6    // rows 0,1 of steps 0 | 2
	VUNPCKHPD   Y1, Y0, Y7    // rows 0,1 of steps 1 | 3
	VUNPCKLPD   Y3, Y2, Y8
	VUNPCKHPD   Y3, Y2, Y9
	VUNPCKLPD   Y5, Y4, Y10
	VUNPCKHPD   Y5, Y4, Y11
	DPAIRS6(X6, X8, X10, 0)
	DPAIRS6(X7, X9, X11, 48)
	DHIGHS6(Y6, Y8, Y10, 96)
	DHIGHS6(Y7, Y9, Y11, 144)
	ADDQ        $32, SI
	ADDQ        $192, DI
	DECQ        CX
	JNZ         loop6d

done6d:
	VZEROUPPER
	RET
