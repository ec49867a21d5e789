// Helpers shared by the reduction kernels.

// HSUMPD adds the four doubles of Y0 into X0's low lane (X1 scratch).
#define HSUMPD \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPD       X1, X0, X0 \
	VPERMILPD    $1, X0, X1 \
	VADDSD       X1, X0, X0
