//go:build !purego

#include "textflag.h"

// Micro-kernels of the implicit-GEMM convolution for AVX2+FMA (see
// conv_kernel.go for their contracts).

// TLOAD loads the 16 image values of a tap (two vectors at DI + 4*off[t])
// into Y0 and Y1; R9 walks the offset table and od is the step's
// displacement into it.
#define TLOAD(od) \
	MOVLQSX od(R9), R10;       \
	VMOVUPS (DI)(R10*4), Y0;   \
	VMOVUPS 32(DI)(R10*4), Y1

// TFMA multiplies the tap's image values (Y0, Y1) by its 6 packed weights
// (SI walks them; ad is the step's displacement) into the accumulators.
#define TFMA(ad) \
	VBROADCASTSS ad(SI), Y2;      \
	VFMADD231PS  Y0, Y2, Y4;      \
	VFMADD231PS  Y1, Y2, Y5;      \
	VBROADCASTSS (ad+4)(SI), Y3;  \
	VFMADD231PS  Y0, Y3, Y6;      \
	VFMADD231PS  Y1, Y3, Y7;      \
	VBROADCASTSS (ad+8)(SI), Y2;  \
	VFMADD231PS  Y0, Y2, Y8;      \
	VFMADD231PS  Y1, Y2, Y9;      \
	VBROADCASTSS (ad+12)(SI), Y3; \
	VFMADD231PS  Y0, Y3, Y10;     \
	VFMADD231PS  Y1, Y3, Y11;     \
	VBROADCASTSS (ad+16)(SI), Y2; \
	VFMADD231PS  Y0, Y2, Y12;     \
	VFMADD231PS  Y1, Y2, Y13;     \
	VBROADCASTSS (ad+20)(SI), Y3; \
	VFMADD231PS  Y0, Y3, Y14;     \
	VFMADD231PS  Y1, Y3, Y15

// TSTEP does one tap of the 6×16 tile kernel.
#define TSTEP(od, ad) \
	TLOAD(od); \
	TFMA(ad)

// TBIAS starts the accumulators of the 6 rows at the 6 biases at AX.
#define TBIAS \
	VBROADCASTSS 0(AX), Y4;  \
	VMOVAPS      Y4, Y5;     \
	VBROADCASTSS 4(AX), Y6;  \
	VMOVAPS      Y6, Y7;     \
	VBROADCASTSS 8(AX), Y8;  \
	VMOVAPS      Y8, Y9;     \
	VBROADCASTSS 12(AX), Y10; \
	VMOVAPS      Y10, Y11;   \
	VBROADCASTSS 16(AX), Y12; \
	VMOVAPS      Y12, Y13;   \
	VBROADCASTSS 20(AX), Y14; \
	VMOVAPS      Y14, Y15

// TROW stores one row pair of accumulators at DX and moves DX down a row.
#define TROW(lo, hi) \
	VMOVUPS lo, (DX);   \
	VMOVUPS hi, 32(DX); \
	ADDQ    R8, DX

// DROW multiplies the current vector of one gradient row (at ptr) by the
// three image vectors Y0..Y2 into the row's accumulators.
#define DROW(ptr, c0, c1, c2) \
	VMOVUPS     (ptr)(SI*1), Y3; \
	VFMADD231PS Y3, Y0, c0;      \
	VFMADD231PS Y3, Y1, c1;      \
	VFMADD231PS Y3, Y2, c2

// DROWM is DROW for the last, partial vector: lanes past the row's end are
// cleared with the mask at R14, so whatever lies there never reaches C.
#define DROWM(ptr, c0, c1, c2) \
	VMOVUPS     (ptr)(SI*1), Y3; \
	VANDPS      (R14), Y3, Y3;   \
	VFMADD231PS Y3, Y0, c0;      \
	VFMADD231PS Y3, Y1, c1;      \
	VFMADD231PS Y3, Y2, c2

// DSUM adds the horizontal sums of four accumulators (one column of the
// tile: rows 0..3) to the four floats at DX, then moves DX down a row of C.
#define DSUM(r0, r1, r2, r3, x0) \
	VHADDPS      r1, r0, r0;  \
	VHADDPS      r3, r2, r2;  \
	VHADDPS      r2, r0, r0;  \
	VEXTRACTF128 $1, r0, X0;  \
	VADDPS       X0, x0, X0;  \
	VADDPS       (DX), X0, X0; \
	VMOVUPS      X0, (DX);    \
	ADDQ         R14, DX

// func convDotAVX2(nimg, n int, a *float32, lda, sa int, b *float32, off *[3]int32, sb int, c *float32, ldc int, mask *uint32)
//
// Registers: AX and DX are image m's gradient rows and planes; R8..R11 the
// four gradient rows, R12, R13 and BX the three tap rows, SI the byte
// offset of the current vector in all of them; the accumulator of row i,
// column j is Y(4+3i+j).
TEXT ·convDotAVX2(SB), NOSPLIT, $0-88
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15

	MOVQ  nimg+0(FP), DI
	TESTQ DI, DI
	JZ    dreduce
	MOVQ  a+16(FP), AX
	MOVQ  b+40(FP), DX

dimage:
	MOVQ    lda+24(FP), R14
	SHLQ    $2, R14
	MOVQ    AX, R8
	LEAQ    (R8)(R14*1), R9
	LEAQ    (R9)(R14*1), R10
	LEAQ    (R10)(R14*1), R11
	MOVQ    off+48(FP), R14
	MOVLQSX 0(R14), R12
	MOVLQSX 4(R14), R13
	MOVLQSX 8(R14), BX
	LEAQ    (DX)(R12*4), R12
	LEAQ    (DX)(R13*4), R13
	LEAQ    (DX)(BX*4), BX
	XORQ    SI, SI
	MOVQ    n+8(FP), CX
	SHRQ    $3, CX
	JZ      dtail

dloop:
	VMOVUPS (R12)(SI*1), Y0
	VMOVUPS (R13)(SI*1), Y1
	VMOVUPS (BX)(SI*1), Y2
	DROW(R8, Y4, Y5, Y6)
	DROW(R9, Y7, Y8, Y9)
	DROW(R10, Y10, Y11, Y12)
	DROW(R11, Y13, Y14, Y15)
	ADDQ    $32, SI
	DECQ    CX
	JNZ     dloop

dtail:
	MOVQ    n+8(FP), CX
	ANDQ    $7, CX
	JZ      dnext
	MOVQ    mask+80(FP), R14
	VMOVUPS (R12)(SI*1), Y0
	VANDPS  (R14), Y0, Y0
	VMOVUPS (R13)(SI*1), Y1
	VANDPS  (R14), Y1, Y1
	VMOVUPS (BX)(SI*1), Y2
	VANDPS  (R14), Y2, Y2
	DROWM(R8, Y4, Y5, Y6)
	DROWM(R9, Y7, Y8, Y9)
	DROWM(R10, Y10, Y11, Y12)
	DROWM(R11, Y13, Y14, Y15)

dnext:
	MOVQ sa+32(FP), R14
	SHLQ $2, R14
	ADDQ R14, AX
	MOVQ sb+56(FP), R14
	SHLQ $2, R14
	ADDQ R14, DX
	DECQ DI
	JNZ  dimage

dreduce:
	MOVQ c+64(FP), DX
	MOVQ ldc+72(FP), R14
	SHLQ $2, R14
	DSUM(Y4, Y7, Y10, Y13, X4)
	DSUM(Y5, Y8, Y11, Y14, X5)
	DSUM(Y6, Y9, Y12, Y15, X6)
	VZEROUPPER
	RET

// func convTilesAVX2(k int, a, b *float32, off *int32, c *float32, ldc int, bias *float32, tiles int)
//
// convTileAVX2 for `tiles` tiles side by side: tile t reads b + 16t and
// writes c + 16t, with the same weights. One call covers a whole row of
// tiles, which matters when k is small (a 1-channel first layer has 9
// taps) and a call per tile would cost as much as its arithmetic.
TEXT ·convTilesAVX2(SB), NOSPLIT, $0-64
	MOVQ b+16(FP), DI
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R8
	SHLQ $2, R8
	MOVQ tiles+56(FP), R13
	TESTQ R13, R13
	JLE  mdone

mtile:
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ off+24(FP), R9
	MOVQ bias+48(FP), AX
	TBIAS

	MOVQ CX, BX
	SHRQ $1, BX
	JZ   mtail

mloop2:
	TSTEP(0, 0)
	TSTEP(4, 24)
	ADDQ $8, R9
	ADDQ $48, SI
	DECQ BX
	JNZ  mloop2

mtail:
	ANDQ $1, CX
	JZ   mstore
	TSTEP(0, 0)

mstore:
	MOVQ DX, R11
	TROW(Y4, Y5)
	TROW(Y6, Y7)
	TROW(Y8, Y9)
	TROW(Y10, Y11)
	TROW(Y12, Y13)
	TROW(Y14, Y15)
	LEAQ 64(R11), DX
	ADDQ $64, DI
	DECQ R13
	JNZ  mtile

mdone:
	VZEROUPPER
	RET

// GROW8(h) loads 8 floats at position SI of each of the eight tap rows
// whose offsets are the h-th eight of the table at R9 into Y0..Y7.
#define GROW8(h) \
	MOVLQSX (h*32+0)(R9), R10;  \
	VMOVUPS (SI)(R10*4), Y0;    \
	MOVLQSX (h*32+4)(R9), R10;  \
	VMOVUPS (SI)(R10*4), Y1;    \
	MOVLQSX (h*32+8)(R9), R10;  \
	VMOVUPS (SI)(R10*4), Y2;    \
	MOVLQSX (h*32+12)(R9), R10; \
	VMOVUPS (SI)(R10*4), Y3;    \
	MOVLQSX (h*32+16)(R9), R10; \
	VMOVUPS (SI)(R10*4), Y4;    \
	MOVLQSX (h*32+20)(R9), R10; \
	VMOVUPS (SI)(R10*4), Y5;    \
	MOVLQSX (h*32+24)(R9), R10; \
	VMOVUPS (SI)(R10*4), Y6;    \
	MOVLQSX (h*32+28)(R9), R10; \
	VMOVUPS (SI)(R10*4), Y7

// T8STORE(off) transposes Y0..Y7 (eight rows of 8) and stores the eight
// columns as the first or second half (byte offset off) of eight 64-byte
// rows at DI. (The same network as package gemm's T8X8: assembly macros
// cannot be shared between packages without an include the go command
// does not track.)
#define T8STORE(off) \
	VUNPCKLPS  Y1, Y0, Y8;          \
	VUNPCKHPS  Y1, Y0, Y9;          \
	VUNPCKLPS  Y3, Y2, Y10;         \
	VUNPCKHPS  Y3, Y2, Y11;         \
	VUNPCKLPS  Y5, Y4, Y12;         \
	VUNPCKHPS  Y5, Y4, Y13;         \
	VUNPCKLPS  Y7, Y6, Y14;         \
	VUNPCKHPS  Y7, Y6, Y15;         \
	VSHUFPS    $0x44, Y10, Y8, Y0;  \
	VSHUFPS    $0xEE, Y10, Y8, Y1;  \
	VSHUFPS    $0x44, Y11, Y9, Y2;  \
	VSHUFPS    $0xEE, Y11, Y9, Y3;  \
	VSHUFPS    $0x44, Y14, Y12, Y4; \
	VSHUFPS    $0xEE, Y14, Y12, Y5; \
	VSHUFPS    $0x44, Y15, Y13, Y6; \
	VSHUFPS    $0xEE, Y15, Y13, Y7; \
	VPERM2F128 $0x20, Y4, Y0, Y8;   \
	VPERM2F128 $0x20, Y5, Y1, Y9;   \
	VPERM2F128 $0x20, Y6, Y2, Y10;  \
	VPERM2F128 $0x20, Y7, Y3, Y11;  \
	VPERM2F128 $0x31, Y4, Y0, Y12;  \
	VPERM2F128 $0x31, Y5, Y1, Y13;  \
	VPERM2F128 $0x31, Y6, Y2, Y14;  \
	VPERM2F128 $0x31, Y7, Y3, Y15;  \
	VMOVUPS    Y8, off(DI);         \
	VMOVUPS    Y9, off+64(DI);      \
	VMOVUPS    Y10, off+128(DI);    \
	VMOVUPS    Y11, off+192(DI);    \
	VMOVUPS    Y12, off+256(DI);    \
	VMOVUPS    Y13, off+320(DI);    \
	VMOVUPS    Y14, off+384(DI);    \
	VMOVUPS    Y15, off+448(DI)

// func convGatherTAVX2(dst, src *float32, off *[16]int32, blocks int)
//
// Transposes 16 tap rows (row j at src + off[j]) into rows of 16:
// dst[p*16 + j] = src[off[j] + p] for p < 8*blocks, eight positions at a
// time as two 8×8 transposes (see convKernels.gatherT).
TEXT ·convGatherTAVX2(SB), NOSPLIT, $0-32
	MOVQ  dst+0(FP), DI
	MOVQ  src+8(FP), SI
	MOVQ  off+16(FP), R9
	MOVQ  blocks+24(FP), CX
	TESTQ CX, CX
	JLE   tdone

tloop:
	GROW8(0)
	T8STORE(0)
	GROW8(1)
	T8STORE(32)
	ADDQ $32, SI
	ADDQ $512, DI
	DECQ CX
	JNZ  tloop

tdone:
	VZEROUPPER
	RET

// TSTEPP is TSTEP that also stores the tap's 16 image values to the packed
// panel at R11 + pd.
#define TSTEPP(od, ad, pd) \
	TLOAD(od);                \
	VMOVUPS Y0, pd(R11);      \
	VMOVUPS Y1, (pd+32)(R11); \
	TFMA(ad)

// func convTilePackAVX2(k int, a, b *float32, off *int32, c *float32, ldc int, bias, dst *float32)
//
// convTilesAVX2 on one tile that also copies the 16 image values of each
// tap to dst + 16t: the tile's columns of the implicit im2col matrix,
// packed for gemm.ColumnS (see convKernels.tilePack).
TEXT ·convTilePackAVX2(SB), NOSPLIT, $0-64
	MOVQ b+16(FP), DI
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R8
	SHLQ $2, R8
	MOVQ dst+56(FP), R11
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ off+24(FP), R9
	MOVQ bias+48(FP), AX
	TBIAS

	MOVQ CX, BX
	SHRQ $1, BX
	JZ   ptail

ploop2:
	TSTEPP(0, 0, 0)
	TSTEPP(4, 24, 64)
	ADDQ $8, R9
	ADDQ $48, SI
	ADDQ $128, R11
	DECQ BX
	JNZ  ploop2

ptail:
	ANDQ $1, CX
	JZ   pstore
	TSTEPP(0, 0, 0)

pstore:
	TROW(Y4, Y5)
	TROW(Y6, Y7)
	TROW(Y8, Y9)
	TROW(Y10, Y11)
	TROW(Y12, Y13)
	TROW(Y14, Y15)
	VZEROUPPER
	RET
