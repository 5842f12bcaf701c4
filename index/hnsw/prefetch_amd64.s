//go:build amd64 && !purego

#include "textflag.h"

// func prefetchVecs(base *float32, ids []uint32, stride, size uintptr)
// Prefetching never faults, so no bounds checks are needed.
TEXT ·prefetchVecs(SB), NOSPLIT, $0-48
	MOVQ base+0(FP), AX
	MOVQ ids_base+8(FP), SI
	MOVQ ids_len+16(FP), CX
	MOVQ stride+32(FP), R8
	MOVQ size+40(FP), R9
	TESTQ CX, CX
	JZ    done

next:
	MOVL  (SI), DX
	IMULQ R8, DX
	ADDQ  AX, DX
	MOVQ  R9, BX

line:
	PREFETCHT0 (DX)
	ADDQ $64, DX
	SUBQ $64, BX
	JG   line
	ADDQ $4, SI
	DECQ CX
	JNZ  next

done:
	RET
