//go:build !purego

#include "textflag.h"

// The micro-kernels for AVX-512 (AVX512F only), float32 and float64: 14×16
// and 14×8 tiles, one
// 16-lane vector a row, so a k step is one B load and fourteen FMAs whose
// A value comes in by embedded broadcast ({1to16}): FMA-bound on cores
// with two 512-bit FMA units and on those that split a 512-bit FMA in two.
// Same contract and argument frame as sgemmColumnAVX2 (see kernel.fnCol);
// their results are checked on machines without AVX-512 by running the
// machine code in an emulator (kernel_avx512_test.go).
//
// Registers: SI and BX walk A's rows 0 and 5; the fourteen rows are
// addressed from them with R8 = rsa, R9 = 3·rsa and R10 = 5·rsa:
//
//	from SI: 0, 1 (R8), 2 (2·R8), 3 (R9), 4 (4·R8), 6 (2·R9), 8 (8·R8),
//	         10 (2·R10), 12 (4·R9)
//	from BX: 5, 7 (2·R8), 9 (4·R8), 11 (2·R9), 13 (8·R8)
//
// R11 = csa, R12 = rsb, R13 = rsc (all in bytes). DI walks B, DX is C, AX
// counts k steps and CX tiles; R14 walks C's rows for the prefetches. Z16..Z29 are the rows' accumulators, Z0 the
// B row, Z30 alpha, Z31 beta or the bias row.

// KSTEP14(FMA) does one k step, FMA the embedded-broadcast multiply-add
// of the element type.
#define KSTEP14(FMA) \
	VMOVUPS          (DI), Z0;              \
	FMA              (SI), Z0, Z16;         \
	FMA              (SI)(R8*1), Z0, Z17;   \
	FMA              (SI)(R8*2), Z0, Z18;   \
	FMA              (SI)(R9*1), Z0, Z19;   \
	FMA              (SI)(R8*4), Z0, Z20;   \
	FMA              (BX), Z0, Z21;         \
	FMA              (SI)(R9*2), Z0, Z22;   \
	FMA              (BX)(R8*2), Z0, Z23;   \
	FMA              (SI)(R8*8), Z0, Z24;   \
	FMA              (BX)(R8*4), Z0, Z25;   \
	FMA              (SI)(R10*2), Z0, Z26;  \
	FMA              (BX)(R9*2), Z0, Z27;   \
	FMA              (SI)(R9*4), Z0, Z28;   \
	FMA              (BX)(R8*8), Z0, Z29;   \
	ADDQ             R11, SI;               \
	ADDQ             R11, BX;               \
	ADDQ             R12, DI

// ALL14(op) applies op to each accumulator.
#define ALL14(op) \
	op(Z16); op(Z17); op(Z18); op(Z19); op(Z20); op(Z21); op(Z22); \
	op(Z23); op(Z24); op(Z25); op(Z26); op(Z27); op(Z28); op(Z29)

#define ZERO14(z) VPXORD z, z, z
#define SCALE14(z) VMULPS Z30, z, z
#define BIAS14(z) VADDPS Z31, z, z
#define DSCALE14(z) VMULPD Z30, z, z
#define DBIAS14(z) VADDPD Z31, z, z

// ROWBETA14 stores a finished row blending in beta·C (beta in Z31), then
// moves DX to the next row; DROWBETA14 is its float64 twin.
#define ROWBETA14(z) \
	VFMADD231PS (DX), Z31, z; \
	VMOVUPS     z, (DX);      \
	ADDQ        R13, DX
#define DROWBETA14(z) \
	VFMADD231PD (DX), Z31, z; \
	VMOVUPD     z, (DX);      \
	ADDQ        R13, DX

// PFROW14 prefetches the C row at R14 and moves R14 to the next row.
#define PFROW14(z) \
	PREFETCHT0 (R14); \
	ADDQ       R13, R14

// PREFETCHC14 prefetches the tile's 14 rows of C (one 64-byte line each)
// while the k loop runs, as the AVX2 kernel does: a deep product's tiles
// read C from memory when they store. The row list is ALL14's.
#define PREFETCHC14 \
	MOVQ DX, R14; \
	ALL14(PFROW14)

// ROW14 stores a finished row without reading C.
#define ROW14(z) \
	VMOVUPS z, (DX); \
	ADDQ    R13, DX

// ARGS14(shift) loads the strides, scaled to bytes (shift: log2 of the
// element size), the row offsets from SI, and C.
#define ARGS14(shift) \
	MOVQ rsa+16(FP), R8;    \
	MOVQ csa+24(FP), R11;   \
	MOVQ rsb+40(FP), R12;   \
	MOVQ rsc+56(FP), R13;   \
	SHLQ $shift, R8;        \
	SHLQ $shift, R11;       \
	SHLQ $shift, R12;       \
	SHLQ $shift, R13;       \
	LEAQ (R8)(R8*2), R9;    \
	LEAQ (R8)(R8*4), R10;   \
	MOVQ c+48(FP), DX

// TILE14 starts a tile: A's and B's pointers, C's prefetches, the zeroed
// accumulators, and AX = k with the flags of a test of it.
#define TILE14 \
	MOVQ  a+8(FP), SI;     \
	MOVQ  b+32(FP), DI;    \
	LEAQ  (SI)(R10*1), BX; \
	PREFETCHC14;           \
	ALL14(ZERO14);         \
	MOVQ  k+0(FP), AX;     \
	TESTQ AX, AX

// func sgemmColumnAVX512(k int, a *float32, rsa, csa int, b *float32, rsb int, c *float32, rsc int, alpha, beta float32, tiles, astep int, bias *float32)
//
// The float32 14×16 kernel for `tiles` tiles down a column of C: tile t
// reads A from a + t*astep and writes the 14 rows of C from c + 14*t*rsc,
// all with the same B panel (see kernel.fnCol). tiles must be at least 1.
// With a bias (not nil) the tiles are alpha*A*B + bias, the 16 values at
// bias added to every row, and C is not read (beta is ignored); with beta
// ±0 C is not read either.
TEXT ·sgemmColumnAVX512(SB), NOSPLIT, $0-96
	ARGS14(2)
	MOVQ         tiles+72(FP), CX
	VBROADCASTSS alpha+64(FP), Z30

tile:
	TILE14
	JLE scale

kloop:
	KSTEP14(VFMADD231PS.BCST)
	DECQ AX
	JNZ  kloop

scale:
	ALL14(SCALE14)
	MOVQ  bias+88(FP), AX
	TESTQ AX, AX
	JNZ   withbias
	MOVL  beta+68(FP), AX
	TESTL $0x7fffffff, AX
	JZ    store
	VBROADCASTSS beta+68(FP), Z31
	ALL14(ROWBETA14)
	JMP   next

withbias:
	VMOVUPS (AX), Z31
	ALL14(BIAS14)

store:
	ALL14(ROW14)

next:
	// DX has passed the tile's 14 rows: it is the next tile's C.
	MOVQ astep+80(FP), AX
	SHLQ $2, AX
	ADDQ AX, a+8(FP)
	DECQ CX
	JNZ  tile
	VZEROUPPER
	RET

// func dgemmColumnAVX512(k int, a *float64, rsa, csa int, b *float64, rsb int, c *float64, rsc int, alpha, beta float64, tiles, astep int, bias *float64)
//
// sgemmColumnAVX512 for float64: 14×8 tiles (one 8-lane vector a row).
TEXT ·dgemmColumnAVX512(SB), NOSPLIT, $0-104
	ARGS14(3)
	MOVQ         tiles+80(FP), CX
	VBROADCASTSD alpha+64(FP), Z30

dtile:
	TILE14
	JLE dscale

dkloop:
	KSTEP14(VFMADD231PD.BCST)
	DECQ AX
	JNZ  dkloop

dscale:
	ALL14(DSCALE14)
	MOVQ  bias+96(FP), AX
	TESTQ AX, AX
	JNZ   dwithbias
	MOVQ  beta+72(FP), AX
	SHLQ  $1, AX // drops the sign: zero for ±0
	JZ    dstore
	VBROADCASTSD beta+72(FP), Z31
	ALL14(DROWBETA14)
	JMP   dnext

dwithbias:
	VMOVUPD (AX), Z31
	ALL14(DBIAS14)

dstore:
	ALL14(ROW14)

dnext:
	MOVQ astep+88(FP), AX
	SHLQ $3, AX
	ADDQ AX, a+8(FP)
	DECQ CX
	JNZ  dtile
	VZEROUPPER
	RET
