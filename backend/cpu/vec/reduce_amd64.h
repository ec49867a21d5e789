// Helpers shared by the reduction kernels.

// HSUMPD adds the four doubles of Y0 into X0's low lane (X1 scratch).
#define HSUMPD \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPD       X1, X0, X0 \
	VPERMILPD    $1, X0, X1 \
	VADDSD       X1, X0, X0

// EXPSHIFTSUM sets (dst)(AX*4) = e^((src)(AX*4) - shift) for one block of 8
// and adds the results, widened to float64, into lo and hi (Y0 to Y4
// scratch; math_amd64.h's EXPV).
#define EXPSHIFTSUM(src, dst, shift, lo, hi) \
	VMOVUPS      (src)(AX*4), Y0 \
	VSUBPS       shift, Y0, Y0 \
	EXPV(Y0, Y1, Y2, Y3, Y4) \
	VMOVUPS      Y0, (dst)(AX*4) \
	VCVTPS2PD    X0, Y1 \
	VEXTRACTF128 $1, Y0, X2 \
	VCVTPS2PD    X2, Y2 \
	VADDPD       Y1, lo, lo \
	VADDPD       Y2, hi, hi

// EXPSHIFTSUM2 is EXPSHIFTSUM on two blocks (AX and AX+8), their
// exponentials' chains interleaved (EXPV2), the sums added in block order
// (Y0 to Y9 scratch).
#define EXPSHIFTSUM2(src, dst, shift, lo, hi) \
	VMOVUPS      (src)(AX*4), Y0 \
	VMOVUPS      32(src)(AX*4), Y5 \
	VSUBPS       shift, Y0, Y0 \
	VSUBPS       shift, Y5, Y5 \
	EXPV2(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9) \
	VMOVUPS      Y0, (dst)(AX*4) \
	VMOVUPS      Y5, 32(dst)(AX*4) \
	VCVTPS2PD    X0, Y1 \
	VEXTRACTF128 $1, Y0, X2 \
	VCVTPS2PD    X2, Y2 \
	VADDPD       Y1, lo, lo \
	VADDPD       Y2, hi, hi \
	VCVTPS2PD    X5, Y6 \
	VEXTRACTF128 $1, Y5, X7 \
	VCVTPS2PD    X7, Y7 \
	VADDPD       Y6, lo, lo \
	VADDPD       Y7, hi, hi
