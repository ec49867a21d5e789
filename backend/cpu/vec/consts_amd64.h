// Constants of the kernels, most repeated 8 times (one YMM vector). Every
// assembly file includes this header and gets its own file-local copy.

#define C8(name, v) \
	DATA name<>+0(SB)/4, $v \
	DATA name<>+4(SB)/4, $v \
	DATA name<>+8(SB)/4, $v \
	DATA name<>+12(SB)/4, $v \
	DATA name<>+16(SB)/4, $v \
	DATA name<>+20(SB)/4, $v \
	DATA name<>+24(SB)/4, $v \
	DATA name<>+28(SB)/4, $v \
	GLOBL name<>(SB), RODATA|NOPTR, $32

// iota8: 0..7 as int32; onef64: 1.0 as a float64 scalar.
DATA iota8<>+0(SB)/8, $0x0000000100000000
DATA iota8<>+8(SB)/8, $0x0000000300000002
DATA iota8<>+16(SB)/8, $0x0000000500000004
DATA iota8<>+24(SB)/8, $0x0000000700000006
GLOBL iota8<>(SB), RODATA|NOPTR, $32
DATA onef64<>+0(SB)/8, $1.0
GLOBL onef64<>(SB), RODATA|NOPTR, $8

C8(one, 0x3f800000)
C8(two, 0x40000000)
C8(half, 0x3f000000)
C8(posinf, 0x7f800000)
C8(neginf, 0xff800000)
C8(qnan, 0x7fc00000)
C8(absmask, 0x7fffffff)
C8(signmask, 0x80000000)

C8(log2e, 0x3fb8aa3b)
C8(ln2hi, 0x3f318000)
C8(ln2lo, 0xb95e8083)
C8(expmax, 0x42b17218)
C8(expmin, 0xc2cff1b5)
C8(expp0, 0x39506967)
C8(expp1, 0x3ab743ce)
C8(expp2, 0x3c088908)
C8(expp3, 0x3d2aa9c1)
C8(expp4, 0x3e2aaaaa)
C8(expp5, 0x3f000000)
C8(bias127, 0x0000007f)

C8(fltmin, 0x00800000)
C8(two25, 0x4c000000)
C8(minus25, 0xffffffe7)
C8(c126, 0x0000007e)
C8(mantmask, 0x807fffff)
C8(sqrthalf, 0x3f3504f3)
C8(logp0, 0x3d9021bb)
C8(logp1, 0xbdebd1b8)
C8(logp2, 0x3def251a)
C8(logp3, 0xbdfe5d4f)
C8(logp4, 0x3e11e9bf)
C8(logp5, 0xbe2aae50)
C8(logp6, 0x3e4cceac)
C8(logp7, 0xbe7ffffc)
C8(logp8, 0x3eaaaaaa)

C8(tanhsmall, 0x3f200000)
C8(tanhp0, 0xbbbaf0ea)
C8(tanhp1, 0x3ca9134e)
C8(tanhp2, 0xbd5c1e2d)
C8(tanhp3, 0x3e088393)
C8(tanhp4, 0xbeaaaa99)

C8(erfp, 0x3ea7ba05)
C8(erfa1, 0x3e827906)
C8(erfa2, 0xbe91a98e)
C8(erfa3, 0x3fb5f0e3)
C8(erfa4, 0xbfba00e3)
C8(erfa5, 0x3f87dc22)
C8(sqrt1_2, 0x3f3504f3)
C8(invsqrt2pi, 0x3ecc422a)
C8(erfc1, 0xbeaaaaab)
C8(erfc2, 0x3dcccccd)
C8(erfc3, 0xbcc30c31)
C8(erfc4, 0x3b97b426)
C8(erfc5, 0xba46980c)
C8(twooversqrtpi, 0x3f906ebb)
