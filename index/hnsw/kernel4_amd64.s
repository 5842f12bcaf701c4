//go:build amd64 && !purego

#include "textflag.h"

// HSUM reduces the eight lanes of Y to a scalar in the low lane of X,
// using T as scratch.
#define HSUM(Y, X, T) \
	VEXTRACTF128 $1, Y, T \
	VADDPS       T, X, X  \
	VMOVHLPS     X, T, T  \
	VADDPS       T, X, X  \
	VMOVSHDUP    X, T     \
	VADDSS       T, X, X

// func dot4AVX2(q []float32, a, b, c, d *float32, out *[4]float32)
// Scores q against four rows at once: each chunk of q is loaded once, and
// the four rows stream in parallel, which overlaps their cache misses.
// Rows are at least len(q) floats; len(q) > 0.
TEXT ·dot4AVX2(SB), NOSPLIT, $0-64
	MOVQ q_base+0(FP), SI
	MOVQ q_len+8(FP), CX
	MOVQ a+24(FP), R8
	MOVQ b+32(FP), R9
	MOVQ c+40(FP), R10
	MOVQ d+48(FP), R11
	MOVQ out+56(FP), DI
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	XORQ   AX, AX

dloop8:
	CMPQ CX, $8
	JL   dreduce
	VMOVUPS     (SI)(AX*1), Y4
	VFMADD231PS (R8)(AX*1), Y4, Y0
	VFMADD231PS (R9)(AX*1), Y4, Y1
	VFMADD231PS (R10)(AX*1), Y4, Y2
	VFMADD231PS (R11)(AX*1), Y4, Y3
	ADDQ $32, AX
	SUBQ $8, CX
	JMP  dloop8

dreduce:
	HSUM(Y0, X0, X5)
	HSUM(Y1, X1, X5)
	HSUM(Y2, X2, X5)
	HSUM(Y3, X3, X5)

dtail:
	TESTQ CX, CX
	JE    ddone
	VMOVSS      (SI)(AX*1), X4
	VFMADD231SS (R8)(AX*1), X4, X0
	VFMADD231SS (R9)(AX*1), X4, X1
	VFMADD231SS (R10)(AX*1), X4, X2
	VFMADD231SS (R11)(AX*1), X4, X3
	ADDQ $4, AX
	DECQ CX
	JMP  dtail

ddone:
	VMOVSS X0, (DI)
	VMOVSS X1, 4(DI)
	VMOVSS X2, 8(DI)
	VMOVSS X3, 12(DI)
	VZEROUPPER
	RET

// func l2sq4AVX2(q []float32, a, b, c, d *float32, out *[4]float32)
// Squared Euclidean distances from q to four rows, shaped like dot4AVX2.
TEXT ·l2sq4AVX2(SB), NOSPLIT, $0-64
	MOVQ q_base+0(FP), SI
	MOVQ q_len+8(FP), CX
	MOVQ a+24(FP), R8
	MOVQ b+32(FP), R9
	MOVQ c+40(FP), R10
	MOVQ d+48(FP), R11
	MOVQ out+56(FP), DI
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	XORQ   AX, AX

lloop8:
	CMPQ CX, $8
	JL   lreduce
	VMOVUPS     (SI)(AX*1), Y4
	VSUBPS      (R8)(AX*1), Y4, Y5
	VFMADD231PS Y5, Y5, Y0
	VSUBPS      (R9)(AX*1), Y4, Y6
	VFMADD231PS Y6, Y6, Y1
	VSUBPS      (R10)(AX*1), Y4, Y7
	VFMADD231PS Y7, Y7, Y2
	VSUBPS      (R11)(AX*1), Y4, Y8
	VFMADD231PS Y8, Y8, Y3
	ADDQ $32, AX
	SUBQ $8, CX
	JMP  lloop8

lreduce:
	HSUM(Y0, X0, X5)
	HSUM(Y1, X1, X5)
	HSUM(Y2, X2, X5)
	HSUM(Y3, X3, X5)

ltail:
	TESTQ CX, CX
	JE    ldone
	VMOVSS      (SI)(AX*1), X4
	VSUBSS      (R8)(AX*1), X4, X5
	VFMADD231SS X5, X5, X0
	VSUBSS      (R9)(AX*1), X4, X6
	VFMADD231SS X6, X6, X1
	VSUBSS      (R10)(AX*1), X4, X7
	VFMADD231SS X7, X7, X2
	VSUBSS      (R11)(AX*1), X4, X8
	VFMADD231SS X8, X8, X3
	ADDQ $4, AX
	DECQ CX
	JMP  ltail

ldone:
	VMOVSS X0, (DI)
	VMOVSS X1, 4(DI)
	VMOVSS X2, 8(DI)
	VMOVSS X3, 12(DI)
	VZEROUPPER
	RET
