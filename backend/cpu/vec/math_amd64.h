// The vector math functions as macros on YMM registers, shared by the
// assembly files (which include consts_amd64.h first). Each computes the
// same function as its Go twin in math.go.

// EXPV sets X = e^X (math.go's exp32), with scratch A, B, C, D.
#define EXPV(X, A, B, C, D) \
	VMINPS       expmax<>(SB), X, A \
	VMAXPS       expmin<>(SB), A, A \
	VMULPS       log2e<>(SB), A, B \
	VROUNDPS     $0, B, B \
	VFNMADD231PS ln2hi<>(SB), B, A \
	VFNMADD231PS ln2lo<>(SB), B, A \
	VMOVUPS      expp0<>(SB), C \
	VFMADD213PS  expp1<>(SB), A, C \
	VFMADD213PS  expp2<>(SB), A, C \
	VFMADD213PS  expp3<>(SB), A, C \
	VFMADD213PS  expp4<>(SB), A, C \
	VFMADD213PS  expp5<>(SB), A, C \
	VMULPS       A, A, D \
	VFMADD213PS  A, D, C \
	VADDPS       one<>(SB), C, C \
	VCVTPS2DQ    B, B \
	VPSRAD       $1, B, D \
	VPSUBD       D, B, B \
	VPADDD       bias127<>(SB), D, D \
	VPSLLD       $23, D, D \
	VPADDD       bias127<>(SB), B, B \
	VPSLLD       $23, B, B \
	VMULPS       D, C, C \
	VMULPS       B, C, C \
	VCMPPS       $0x1e, expmax<>(SB), X, A \
	VBLENDVPS    A, posinf<>(SB), C, C \
	VCMPPS       $0x11, expmin<>(SB), X, A \
	VANDNPS      C, A, C \
	VCMPPS       $3, X, X, A \
	VBLENDVPS    A, X, C, X

// LOGV sets X = ln X (math.go's log32), with scratch A to F.
#define LOGV(X, A, B, C, D, E, F) \
	VCMPPS       $0x11, fltmin<>(SB), X, A \
	VMULPS       two25<>(SB), X, B \
	VBLENDVPS    A, B, X, B \
	VPAND        minus25<>(SB), A, A \
	VPSRLD       $23, B, C \
	VPSUBD       c126<>(SB), C, C \
	VPADDD       A, C, C \
	VPAND        mantmask<>(SB), B, B \
	VPOR         half<>(SB), B, B \
	VCMPPS       $0x11, sqrthalf<>(SB), B, A \
	VPADDD       A, C, C \
	VANDPS       A, B, D \
	VADDPS       D, B, B \
	VSUBPS       one<>(SB), B, B \
	VCVTDQ2PS    C, C \
	VMULPS       B, B, D \
	VMOVUPS      logp0<>(SB), A \
	VFMADD213PS  logp1<>(SB), B, A \
	VFMADD213PS  logp2<>(SB), B, A \
	VFMADD213PS  logp3<>(SB), B, A \
	VFMADD213PS  logp4<>(SB), B, A \
	VFMADD213PS  logp5<>(SB), B, A \
	VFMADD213PS  logp6<>(SB), B, A \
	VFMADD213PS  logp7<>(SB), B, A \
	VFMADD213PS  logp8<>(SB), B, A \
	VMULPS       B, A, A \
	VMULPS       D, A, A \
	VFMADD231PS  ln2lo<>(SB), C, A \
	VFNMADD231PS half<>(SB), D, A \
	VADDPS       B, A, A \
	VFMADD231PS  ln2hi<>(SB), C, A \
	VXORPS       F, F, F \
	VCMPPS       $0x19, F, X, E \
	VBLENDVPS    E, qnan<>(SB), A, A \
	VCMPPS       $0, F, X, E \
	VBLENDVPS    E, neginf<>(SB), A, A \
	VCMPPS       $0, posinf<>(SB), X, E \
	VBLENDVPS    E, posinf<>(SB), A, X

// TANHV sets X = tanh X (math.go's tanh32), with scratch A to F.
#define TANHV(X, A, B, C, D, E, F) \
	VANDPS      absmask<>(SB), X, A \
	VADDPS      A, A, B \
	EXPV(B, C, D, E, F) \
	VADDPS      one<>(SB), B, B \
	VMOVUPS     two<>(SB), C \
	VDIVPS      B, C, B \
	VMOVUPS     one<>(SB), C \
	VSUBPS      B, C, B \
	VANDPS      signmask<>(SB), X, C \
	VORPS       C, B, B \
	VMULPS      X, X, C \
	VMOVUPS     tanhp0<>(SB), D \
	VFMADD213PS tanhp1<>(SB), C, D \
	VFMADD213PS tanhp2<>(SB), C, D \
	VFMADD213PS tanhp3<>(SB), C, D \
	VFMADD213PS tanhp4<>(SB), C, D \
	VMULPS      C, D, D \
	VFMADD213PS X, X, D \
	VCMPPS      $0x11, tanhsmall<>(SB), A, C \
	VBLENDVPS   C, D, B, X

// SIGMOIDV sets X = 1/(1 + e^-X), with scratch A to E.
#define SIGMOIDV(X, A, B, C, D, E) \
	VXORPS  A, A, A \
	VSUBPS  X, A, A \
	EXPV(A, B, C, D, E) \
	VADDPS  one<>(SB), A, A \
	VMOVUPS one<>(SB), B \
	VDIVPS  A, B, X

// ERFV sets X = erf X (math.go's erf32: a Taylor polynomial below 0.5,
// else Abramowitz and Stegun 7.1.26), with scratch A to F.
#define ERFV(X, A, B, C, D, E, F) ERFEV(X, A, B, C, D, E, F, B)

// ERFEV is ERFV that also leaves e^(-X²), which A&S's formula computes, in
// G (math.go's erfExp32), with scratch A to F (G may be F, which is not used
// after the exponential).
#define ERFEV(X, A, B, C, D, E, F, G) \
	VANDPS      absmask<>(SB), X, A \
	VMOVUPS     one<>(SB), B \
	VFMADD231PS erfp<>(SB), A, B \
	VMOVUPS     one<>(SB), C \
	VDIVPS      B, C, B \
	VMOVUPS     erfa5<>(SB), C \
	VFMADD213PS erfa4<>(SB), B, C \
	VFMADD213PS erfa3<>(SB), B, C \
	VFMADD213PS erfa2<>(SB), B, C \
	VFMADD213PS erfa1<>(SB), B, C \
	VMULPS      B, C, C \
	VMULPS      A, A, B \
	VXORPS      signmask<>(SB), B, B \
	EXPV(B, A, D, E, F) \
	VMOVAPS     B, G \
	VMULPS      B, C, C \
	VMOVUPS     one<>(SB), A \
	VSUBPS      C, A, A \
	VANDPS      absmask<>(SB), A, A \
	VANDPS      signmask<>(SB), X, C \
	VORPS       C, A, A \
	VMULPS      X, X, B \
	VMOVUPS     erfc5<>(SB), C \
	VFMADD213PS erfc4<>(SB), B, C \
	VFMADD213PS erfc3<>(SB), B, C \
	VFMADD213PS erfc2<>(SB), B, C \
	VFMADD213PS erfc1<>(SB), B, C \
	VFMADD213PS one<>(SB), B, C \
	VMULPS      twooversqrtpi<>(SB), X, D \
	VMULPS      D, C, C \
	VANDPS      absmask<>(SB), X, B \
	VCMPPS      $0x11, half<>(SB), B, B \
	VBLENDVPS   B, C, A, X

// GELUV sets X = X·Φ(X) (math.go's gelu32), with scratch A to G.
#define GELUV(X, A, B, C, D, E, F, G) \
	VMULPS  sqrt1_2<>(SB), X, A \
	ERFV(A, B, C, D, E, F, G) \
	VADDPS  one<>(SB), A, A \
	VMULPS  half<>(SB), X, B \
	VMULPS  A, B, X

// GELUGRADV sets X = G·(Φ(X) + X·φ(X)) (math.go's geluGrad32), with
// scratch A to F and H: φ(X) is e^(-(X/√2)²)/√(2π), the exponential the
// erf of X/√2 computes.
#define GELUGRADV(X, G, A, B, C, D, E, F, H) \
	VMULPS      sqrt1_2<>(SB), X, A \
	ERFEV(A, B, C, D, E, F, H, H) \
	VADDPS      one<>(SB), A, A \
	VMULPS      half<>(SB), A, A \
	VMULPS      invsqrt2pi<>(SB), H, B \
	VFMADD231PS B, X, A \
	VMULPS      G, A, X

// EXPV2 is EXPV on two sets of registers at once, the two chains
// interleaved instruction by instruction so that they overlap.
#define EXPV2(X, A, B, C, D, X_, A_, B_, C_, D_) \
	VMINPS       expmax<>(SB), X, A \
	VMINPS       expmax<>(SB), X_, A_ \
	VMAXPS       expmin<>(SB), A, A \
	VMAXPS       expmin<>(SB), A_, A_ \
	VMULPS       log2e<>(SB), A, B \
	VMULPS       log2e<>(SB), A_, B_ \
	VROUNDPS     $0, B, B \
	VROUNDPS     $0, B_, B_ \
	VFNMADD231PS ln2hi<>(SB), B, A \
	VFNMADD231PS ln2hi<>(SB), B_, A_ \
	VFNMADD231PS ln2lo<>(SB), B, A \
	VFNMADD231PS ln2lo<>(SB), B_, A_ \
	VMOVUPS      expp0<>(SB), C \
	VMOVUPS      expp0<>(SB), C_ \
	VFMADD213PS  expp1<>(SB), A, C \
	VFMADD213PS  expp1<>(SB), A_, C_ \
	VFMADD213PS  expp2<>(SB), A, C \
	VFMADD213PS  expp2<>(SB), A_, C_ \
	VFMADD213PS  expp3<>(SB), A, C \
	VFMADD213PS  expp3<>(SB), A_, C_ \
	VFMADD213PS  expp4<>(SB), A, C \
	VFMADD213PS  expp4<>(SB), A_, C_ \
	VFMADD213PS  expp5<>(SB), A, C \
	VFMADD213PS  expp5<>(SB), A_, C_ \
	VMULPS       A, A, D \
	VMULPS       A_, A_, D_ \
	VFMADD213PS  A, D, C \
	VFMADD213PS  A_, D_, C_ \
	VADDPS       one<>(SB), C, C \
	VADDPS       one<>(SB), C_, C_ \
	VCVTPS2DQ    B, B \
	VCVTPS2DQ    B_, B_ \
	VPSRAD       $1, B, D \
	VPSRAD       $1, B_, D_ \
	VPSUBD       D, B, B \
	VPSUBD       D_, B_, B_ \
	VPADDD       bias127<>(SB), D, D \
	VPADDD       bias127<>(SB), D_, D_ \
	VPSLLD       $23, D, D \
	VPSLLD       $23, D_, D_ \
	VPADDD       bias127<>(SB), B, B \
	VPADDD       bias127<>(SB), B_, B_ \
	VPSLLD       $23, B, B \
	VPSLLD       $23, B_, B_ \
	VMULPS       D, C, C \
	VMULPS       D_, C_, C_ \
	VMULPS       B, C, C \
	VMULPS       B_, C_, C_ \
	VCMPPS       $0x1e, expmax<>(SB), X, A \
	VCMPPS       $0x1e, expmax<>(SB), X_, A_ \
	VBLENDVPS    A, posinf<>(SB), C, C \
	VBLENDVPS    A_, posinf<>(SB), C_, C_ \
	VCMPPS       $0x11, expmin<>(SB), X, A \
	VCMPPS       $0x11, expmin<>(SB), X_, A_ \
	VANDNPS      C, A, C \
	VANDNPS      C_, A_, C_ \
	VCMPPS       $3, X, X, A \
	VCMPPS       $3, X_, X_, A_ \
	VBLENDVPS    A, X, C, X \
	VBLENDVPS    A_, X_, C_, X_

// SIGMOIDV2 is SIGMOIDV on two sets of registers at once (see EXPV2).
#define SIGMOIDV2(X, A, B, C, D, E, X_, A_, B_, C_, D_, E_) \
	VXORPS  A, A, A \
	VXORPS  A_, A_, A_ \
	VSUBPS  X, A, A \
	VSUBPS  X_, A_, A_ \
	EXPV2(A, B, C, D, E, A_, B_, C_, D_, E_) \
	VADDPS  one<>(SB), A, A \
	VADDPS  one<>(SB), A_, A_ \
	VMOVUPS one<>(SB), B \
	VMOVUPS one<>(SB), B_ \
	VDIVPS  A, B, X \
	VDIVPS  A_, B_, X_

// TANHV2 is TANHV on two sets of registers at once (see EXPV2).
#define TANHV2(X, A, B, C, D, E, F, X_, A_, B_, C_, D_, E_, F_) \
	VANDPS      absmask<>(SB), X, A \
	VANDPS      absmask<>(SB), X_, A_ \
	VADDPS      A, A, B \
	VADDPS      A_, A_, B_ \
	EXPV2(B, C, D, E, F, B_, C_, D_, E_, F_) \
	VADDPS      one<>(SB), B, B \
	VADDPS      one<>(SB), B_, B_ \
	VMOVUPS     two<>(SB), C \
	VMOVUPS     two<>(SB), C_ \
	VDIVPS      B, C, B \
	VDIVPS      B_, C_, B_ \
	VMOVUPS     one<>(SB), C \
	VMOVUPS     one<>(SB), C_ \
	VSUBPS      B, C, B \
	VSUBPS      B_, C_, B_ \
	VANDPS      signmask<>(SB), X, C \
	VANDPS      signmask<>(SB), X_, C_ \
	VORPS       C, B, B \
	VORPS       C_, B_, B_ \
	VMULPS      X, X, C \
	VMULPS      X_, X_, C_ \
	VMOVUPS     tanhp0<>(SB), D \
	VMOVUPS     tanhp0<>(SB), D_ \
	VFMADD213PS tanhp1<>(SB), C, D \
	VFMADD213PS tanhp1<>(SB), C_, D_ \
	VFMADD213PS tanhp2<>(SB), C, D \
	VFMADD213PS tanhp2<>(SB), C_, D_ \
	VFMADD213PS tanhp3<>(SB), C, D \
	VFMADD213PS tanhp3<>(SB), C_, D_ \
	VFMADD213PS tanhp4<>(SB), C, D \
	VFMADD213PS tanhp4<>(SB), C_, D_ \
	VMULPS      C, D, D \
	VMULPS      C_, D_, D_ \
	VFMADD213PS X, X, D \
	VFMADD213PS X_, X_, D_ \
	VCMPPS      $0x11, tanhsmall<>(SB), A, C \
	VCMPPS      $0x11, tanhsmall<>(SB), A_, C_ \
	VBLENDVPS   C, D, B, X \
	VBLENDVPS   C_, D_, B_, X_

// LOGV2 is LOGV on two sets of registers at once (see EXPV2).
#define LOGV2(X, A, B, C, D, E, F, X_, A_, B_, C_, D_, E_, F_) \
	VCMPPS       $0x11, fltmin<>(SB), X, A \
	VCMPPS       $0x11, fltmin<>(SB), X_, A_ \
	VMULPS       two25<>(SB), X, B \
	VMULPS       two25<>(SB), X_, B_ \
	VBLENDVPS    A, B, X, B \
	VBLENDVPS    A_, B_, X_, B_ \
	VPAND        minus25<>(SB), A, A \
	VPAND        minus25<>(SB), A_, A_ \
	VPSRLD       $23, B, C \
	VPSRLD       $23, B_, C_ \
	VPSUBD       c126<>(SB), C, C \
	VPSUBD       c126<>(SB), C_, C_ \
	VPADDD       A, C, C \
	VPADDD       A_, C_, C_ \
	VPAND        mantmask<>(SB), B, B \
	VPAND        mantmask<>(SB), B_, B_ \
	VPOR         half<>(SB), B, B \
	VPOR         half<>(SB), B_, B_ \
	VCMPPS       $0x11, sqrthalf<>(SB), B, A \
	VCMPPS       $0x11, sqrthalf<>(SB), B_, A_ \
	VPADDD       A, C, C \
	VPADDD       A_, C_, C_ \
	VANDPS       A, B, D \
	VANDPS       A_, B_, D_ \
	VADDPS       D, B, B \
	VADDPS       D_, B_, B_ \
	VSUBPS       one<>(SB), B, B \
	VSUBPS       one<>(SB), B_, B_ \
	VCVTDQ2PS    C, C \
	VCVTDQ2PS    C_, C_ \
	VMULPS       B, B, D \
	VMULPS       B_, B_, D_ \
	VMOVUPS      logp0<>(SB), A \
	VMOVUPS      logp0<>(SB), A_ \
	VFMADD213PS  logp1<>(SB), B, A \
	VFMADD213PS  logp1<>(SB), B_, A_ \
	VFMADD213PS  logp2<>(SB), B, A \
	VFMADD213PS  logp2<>(SB), B_, A_ \
	VFMADD213PS  logp3<>(SB), B, A \
	VFMADD213PS  logp3<>(SB), B_, A_ \
	VFMADD213PS  logp4<>(SB), B, A \
	VFMADD213PS  logp4<>(SB), B_, A_ \
	VFMADD213PS  logp5<>(SB), B, A \
	VFMADD213PS  logp5<>(SB), B_, A_ \
	VFMADD213PS  logp6<>(SB), B, A \
	VFMADD213PS  logp6<>(SB), B_, A_ \
	VFMADD213PS  logp7<>(SB), B, A \
	VFMADD213PS  logp7<>(SB), B_, A_ \
	VFMADD213PS  logp8<>(SB), B, A \
	VFMADD213PS  logp8<>(SB), B_, A_ \
	VMULPS       B, A, A \
	VMULPS       B_, A_, A_ \
	VMULPS       D, A, A \
	VMULPS       D_, A_, A_ \
	VFMADD231PS  ln2lo<>(SB), C, A \
	VFMADD231PS  ln2lo<>(SB), C_, A_ \
	VFNMADD231PS half<>(SB), D, A \
	VFNMADD231PS half<>(SB), D_, A_ \
	VADDPS       B, A, A \
	VADDPS       B_, A_, A_ \
	VFMADD231PS  ln2hi<>(SB), C, A \
	VFMADD231PS  ln2hi<>(SB), C_, A_ \
	VXORPS       F, F, F \
	VXORPS       F_, F_, F_ \
	VCMPPS       $0x19, F, X, E \
	VCMPPS       $0x19, F_, X_, E_ \
	VBLENDVPS    E, qnan<>(SB), A, A \
	VBLENDVPS    E_, qnan<>(SB), A_, A_ \
	VCMPPS       $0, F, X, E \
	VCMPPS       $0, F_, X_, E_ \
	VBLENDVPS    E, neginf<>(SB), A, A \
	VBLENDVPS    E_, neginf<>(SB), A_, A_ \
	VCMPPS       $0, posinf<>(SB), X, E \
	VCMPPS       $0, posinf<>(SB), X_, E_ \
	VBLENDVPS    E, posinf<>(SB), A, X \
	VBLENDVPS    E_, posinf<>(SB), A_, X_

// ERFV2 is ERFV on two sets of registers at once (see EXPV2).
#define ERFV2(X, A, B, C, D, E, F, X_, A_, B_, C_, D_, E_, F_) \
	ERFEV2(X, A, B, C, D, E, F, B, X_, A_, B_, C_, D_, E_, F_, B_)

// GELUV2 is GELUV on two sets of registers at once (all sixteen).
#define GELUV2(X, A, B, C, D, E, F, G, X_, A_, B_, C_, D_, E_, F_, G_) \
	VMULPS  sqrt1_2<>(SB), X, A \
	VMULPS  sqrt1_2<>(SB), X_, A_ \
	ERFV2(A, B, C, D, E, F, G, A_, B_, C_, D_, E_, F_, G_) \
	VADDPS  one<>(SB), A, A \
	VADDPS  one<>(SB), A_, A_ \
	VMULPS  half<>(SB), X, B \
	VMULPS  half<>(SB), X_, B_ \
	VMULPS  A, B, X \
	VMULPS  A_, B_, X_

// ERFEV2 is ERFEV on two sets of registers at once (see EXPV2).
#define ERFEV2(X, A, B, C, D, E, F, G, X_, A_, B_, C_, D_, E_, F_, G_) \
	VANDPS      absmask<>(SB), X, A \
	VANDPS      absmask<>(SB), X_, A_ \
	VMOVUPS     one<>(SB), B \
	VMOVUPS     one<>(SB), B_ \
	VFMADD231PS erfp<>(SB), A, B \
	VFMADD231PS erfp<>(SB), A_, B_ \
	VMOVUPS     one<>(SB), C \
	VMOVUPS     one<>(SB), C_ \
	VDIVPS      B, C, B \
	VDIVPS      B_, C_, B_ \
	VMOVUPS     erfa5<>(SB), C \
	VMOVUPS     erfa5<>(SB), C_ \
	VFMADD213PS erfa4<>(SB), B, C \
	VFMADD213PS erfa4<>(SB), B_, C_ \
	VFMADD213PS erfa3<>(SB), B, C \
	VFMADD213PS erfa3<>(SB), B_, C_ \
	VFMADD213PS erfa2<>(SB), B, C \
	VFMADD213PS erfa2<>(SB), B_, C_ \
	VFMADD213PS erfa1<>(SB), B, C \
	VFMADD213PS erfa1<>(SB), B_, C_ \
	VMULPS      B, C, C \
	VMULPS      B_, C_, C_ \
	VMULPS      A, A, B \
	VMULPS      A_, A_, B_ \
	VXORPS      signmask<>(SB), B, B \
	VXORPS      signmask<>(SB), B_, B_ \
	EXPV2(B, A, D, E, F, B_, A_, D_, E_, F_) \
	VMOVAPS     B, G \
	VMOVAPS     B_, G_ \
	VMULPS      B, C, C \
	VMULPS      B_, C_, C_ \
	VMOVUPS     one<>(SB), A \
	VMOVUPS     one<>(SB), A_ \
	VSUBPS      C, A, A \
	VSUBPS      C_, A_, A_ \
	VANDPS      absmask<>(SB), A, A \
	VANDPS      absmask<>(SB), A_, A_ \
	VANDPS      signmask<>(SB), X, C \
	VANDPS      signmask<>(SB), X_, C_ \
	VORPS       C, A, A \
	VORPS       C_, A_, A_ \
	VMULPS      X, X, B \
	VMULPS      X_, X_, B_ \
	VMOVUPS     erfc5<>(SB), C \
	VMOVUPS     erfc5<>(SB), C_ \
	VFMADD213PS erfc4<>(SB), B, C \
	VFMADD213PS erfc4<>(SB), B_, C_ \
	VFMADD213PS erfc3<>(SB), B, C \
	VFMADD213PS erfc3<>(SB), B_, C_ \
	VFMADD213PS erfc2<>(SB), B, C \
	VFMADD213PS erfc2<>(SB), B_, C_ \
	VFMADD213PS erfc1<>(SB), B, C \
	VFMADD213PS erfc1<>(SB), B_, C_ \
	VFMADD213PS one<>(SB), B, C \
	VFMADD213PS one<>(SB), B_, C_ \
	VMULPS      twooversqrtpi<>(SB), X, D \
	VMULPS      twooversqrtpi<>(SB), X_, D_ \
	VMULPS      D, C, C \
	VMULPS      D_, C_, C_ \
	VANDPS      absmask<>(SB), X, B \
	VANDPS      absmask<>(SB), X_, B_ \
	VCMPPS      $0x11, half<>(SB), B, B \
	VCMPPS      $0x11, half<>(SB), B_, B_ \
	VBLENDVPS   B, C, A, X \
	VBLENDVPS   B_, C_, A_, X_
