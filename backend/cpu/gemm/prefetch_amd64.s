//go:build !purego

#include "textflag.h"

// func prefetchRows(addr, stride uintptr, rows, lines int)
//
// Prefetches `lines` consecutive cache lines from each of `rows` rows,
// stride bytes apart, starting at addr. A hint: it never faults.
TEXT ·prefetchRows(SB), NOSPLIT, $0-32
	MOVQ  addr+0(FP), SI
	MOVQ  stride+8(FP), R8
	MOVQ  rows+16(FP), CX
	MOVQ  lines+24(FP), DX
	TESTQ CX, CX
	JLE   done
	TESTQ DX, DX
	JLE   done

row:
	MOVQ SI, DI
	MOVQ DX, BX

line:
	PREFETCHT0 (DI)
	ADDQ       $64, DI
	DECQ       BX
	JNZ        line
	ADDQ       R8, SI
	DECQ       CX
	JNZ        row

done:
	RET
