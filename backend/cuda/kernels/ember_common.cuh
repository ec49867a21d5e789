// ember_common.cuh: the only header Ember's kernels include. It needs no
// CUDA toolkit header (NVRTC compiles it alone), so it defines its own
// integer types, 16-bit float storage types and conversions, the tensor
// layout structs, the element conversions of the CPU backend, warp/block
// reductions, atomics on every element type, and the exact double
// arithmetic of the portable random transforms.
//
// Conventions shared by every kernel file:
//   - Element types (template parameter T): float, double, ember::bf16,
//     ember::f16 (16-bit storage, float math), ember::i64, ember::i32,
//     ember::u8 and ember::boolean; kernels that only move elements take
//     the unsigned type of the element size (u8, u16, u32, u64).
//   - Acc<T>::type is the arithmetic type of the float types: double for
//     double, float for the rest; AccOf<T>::type adds i64 for integers and
//     bool (reductions, scans).
//   - Results follow the CPU backend (backend/cpu), which the tests
//     compare with.
//   - Sizes and indices are 64-bit (i64).
//   - A strided tensor is passed as a pointer to its storage plus a
//     Strides struct by value (element strides and element offset); the
//     iteration space is a Shape struct by value, at most EMBER_MAX_DIMS
//     dims, row-major. Broadcasting is a zero stride. Shape.flat = 1 says
//     every operand is contiguous with the iteration shape, so element i is
//     at offset + i and the index arithmetic is skipped.
//   - Block sizes are multiples of 32 (the warp reductions use full
//     masks); kernels loop grid-stride, so any grid size is correct.
//   - Pointers that may be null are named *_opt.
//   - Pointers are __restrict__: an output may alias an input only element
//     for element (in-place ops such as x += y), never shifted or
//     transposed.
//   - The few device intrinsics the CPU emulator (internal/emu) does not
//     define are wrapped here (f64_bits, umulhi64, d_add..., warp_sync,
//     atomic_add_elem) with an #ifdef __CUDA_ARCH__ branch for NVRTC and a
//     plain one for the emulator, whose fibers share one OS thread (so a
//     plain read-modify-write is atomic there).
#pragma once

namespace ember {

typedef long long i64;
typedef unsigned long long u64;
typedef int i32;
typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;

#define EMBER_MAX_DIMS 8

// 16-bit float storage. Arithmetic converts to float.
struct bf16 {
  u16 bits;
};
struct f16 {
  u16 bits;
};
// bool storage: one byte, 0 or 1.
struct boolean {
  u8 v;
};

// Shape is the iteration space of an elementwise kernel.
struct Shape {
  i64 dim[EMBER_MAX_DIMS];
  i32 ndim;
  i32 flat;  // 1: all operands contiguous, no broadcasting
};

// Strides locates one operand: element strides per dim and an element
// offset into the storage.
struct Strides {
  i64 s[EMBER_MAX_DIMS];
  i64 offset;
};

// AttnParams are the sizes, strides and flags of the fused attention
// kernels (ember_attention.cu and ember_attention_tc.cu describe them).
struct AttnParams {
  i64 b, h, tq, tk, d, dv, kv_group;
  i64 q_b, q_h, q_t, k_b, k_h, k_t, v_b, v_h, v_t, o_b, o_h, o_t;
  i64 do_b, do_h, do_t, dq_b, dq_h, dq_t, dk_b, dk_h, dk_t, dv_b, dv_h, dv_t;
  i64 m_b, m_h, m_q, m_k;
  double scale;
  i32 causal, mask_kind;
};

// ---- 16-bit float conversions ---------------------------------------------

__device__ __forceinline__ float bf16_to_f32(u16 b) { return __uint_as_float(((u32)b) << 16); }

// Round to nearest even; NaN stays a (quiet) NaN with its sign.
__device__ __forceinline__ u16 f32_to_bf16(float f) {
  u32 u = __float_as_uint(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (u16)((u >> 16) | 0x0040u);
  u += 0x7fffu + ((u >> 16) & 1u);
  return (u16)(u >> 16);
}

__device__ __forceinline__ float f16_to_f32(u16 h) {
#ifdef __CUDA_ARCH__
  float f;
  asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));
  return f;
#else
  u32 sign = (u32)(h & 0x8000u) << 16;
  u32 exp = (h >> 10) & 0x1fu;
  u32 mant = h & 0x3ffu;
  if (exp == 0x1fu) return __uint_as_float(sign | 0x7f800000u | (mant << 13));
  if (exp == 0) {
    if (mant == 0) return __uint_as_float(sign);
    float m = (float)mant * (1.0f / 16777216.0f);  // mant * 2^-24
    return sign ? -m : m;
  }
  return __uint_as_float(sign | ((exp + 112u) << 23) | (mant << 13));
#endif
}

__device__ __forceinline__ u16 f32_to_f16(float f) {
#ifdef __CUDA_ARCH__
  u16 h;
  asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f));
  return h;
#else
  u32 b = __float_as_uint(f);
  u16 sign = (u16)((b >> 16) & 0x8000u);
  int exp = (int)((b >> 23) & 0xffu) - 127 + 15;
  u32 mant = b & 0x7fffffu;
  if (((b >> 23) & 0xffu) == 0xffu) return sign | (mant ? 0x7e00u : 0x7c00u);
  if (exp >= 0x1f) return sign | 0x7c00u;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant |= 0x800000u;
    u32 shift = (u32)(14 - exp);
    u32 h = mant >> shift, rem = mant & ((1u << shift) - 1u), half = 1u << (shift - 1u);
    if (rem > half || (rem == half && (h & 1u))) h++;
    return sign | (u16)h;
  }
  u32 h = ((u32)exp << 10) | (mant >> 13), rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) h++;
  return sign | (u16)h;
#endif
}

// ---- element types ----------------------------------------------------------

template <class T> struct Acc { typedef float type; };
template <> struct Acc<double> { typedef double type; };

// to_acc widens an element to its arithmetic type.
__device__ __forceinline__ float to_acc(float x) { return x; }
__device__ __forceinline__ double to_acc(double x) { return x; }
__device__ __forceinline__ float to_acc(bf16 x) { return bf16_to_f32(x.bits); }
__device__ __forceinline__ float to_acc(f16 x) { return f16_to_f32(x.bits); }

// from_acc narrows an arithmetic value to the element type T.
template <class T> __device__ __forceinline__ T from_acc(typename Acc<T>::type v);
template <> __device__ __forceinline__ float from_acc<float>(float v) { return v; }
template <> __device__ __forceinline__ double from_acc<double>(double v) { return v; }
template <> __device__ __forceinline__ bf16 from_acc<bf16>(float v) { bf16 r; r.bits = f32_to_bf16(v); return r; }
template <> __device__ __forceinline__ f16 from_acc<f16>(float v) { f16 r; r.bits = f32_to_f16(v); return r; }

// ---- conversions between element types (cast, fill, arange) ---------------
//
// num() widens an element exactly: floats to double, integers and bool to
// i64. Num<To>::from converts such a wide value to To with the CPU
// backend's rules: i64 to float rounds once (to nearest even); double to a
// 16-bit float goes through float (two roundings, as the CPU does); a float
// to an integer is NaN -> 0, else truncated toward zero into i64 (a value
// outside the i64 range, infinities included, gives the i64 minimum, what
// amd64's cvttsd2si returns), then wrapped to the narrower type; integers
// wrap (two's complement); bool is x != 0.

__device__ __forceinline__ double num(float x) { return (double)x; }
__device__ __forceinline__ double num(double x) { return x; }
__device__ __forceinline__ double num(bf16 x) { return (double)bf16_to_f32(x.bits); }
__device__ __forceinline__ double num(f16 x) { return (double)f16_to_f32(x.bits); }
__device__ __forceinline__ i64 num(i64 x) { return x; }
__device__ __forceinline__ i64 num(i32 x) { return x; }
__device__ __forceinline__ i64 num(u8 x) { return x; }
__device__ __forceinline__ i64 num(boolean x) { return x.v; }

// f64_to_i64 is the CPU's float-to-integer conversion (see above).
__device__ __forceinline__ i64 f64_to_i64(double v) {
  if (v != v) return 0;
  if (v >= 9223372036854775808.0 || v < -9223372036854775808.0) return (i64)0x8000000000000000ULL;
  return (i64)v;
}

template <class T> struct Num;
template <> struct Num<float> {
  __device__ static float from(double v) { return (float)v; }
  __device__ static float from(i64 v) { return (float)v; }
};
template <> struct Num<double> {
  __device__ static double from(double v) { return v; }
  __device__ static double from(i64 v) { return (double)v; }
};
template <> struct Num<bf16> {
  __device__ static bf16 from(double v) { bf16 r; r.bits = f32_to_bf16((float)v); return r; }
  __device__ static bf16 from(i64 v) { bf16 r; r.bits = f32_to_bf16((float)v); return r; }
};
template <> struct Num<f16> {
  __device__ static f16 from(double v) { f16 r; r.bits = f32_to_f16((float)v); return r; }
  __device__ static f16 from(i64 v) { f16 r; r.bits = f32_to_f16((float)v); return r; }
};
template <> struct Num<i64> {
  __device__ static i64 from(double v) { return f64_to_i64(v); }
  __device__ static i64 from(i64 v) { return v; }
};
template <> struct Num<i32> {
  __device__ static i32 from(double v) { return (i32)(u32)(u64)f64_to_i64(v); }
  __device__ static i32 from(i64 v) { return (i32)(u32)(u64)v; }
};
template <> struct Num<u8> {
  __device__ static u8 from(double v) { return (u8)(u64)f64_to_i64(v); }
  __device__ static u8 from(i64 v) { return (u8)(u64)v; }
};
template <> struct Num<boolean> {
  __device__ static boolean from(double v) { boolean r; r.v = v != 0.0 ? 1 : 0; return r; }
  __device__ static boolean from(i64 v) { boolean r; r.v = v != 0 ? 1 : 0; return r; }
};

// convert is cast's element conversion.
template <class To, class From> __device__ __forceinline__ To convert(From x) { return Num<To>::from(num(x)); }

// AccOf<T>::type is the accumulator of reductions and scans: Acc<T> for the
// float types, i64 for the integer types and bool.
template <class T> struct AccOf { typedef typename Acc<T>::type type; };
template <> struct AccOf<i64> { typedef i64 type; };
template <> struct AccOf<i32> { typedef i64 type; };
template <> struct AccOf<u8> { typedef i64 type; };
template <> struct AccOf<boolean> { typedef i64 type; };

// acc_val reads an element as its AccOf type.
__device__ __forceinline__ float acc_val(float x) { return x; }
__device__ __forceinline__ double acc_val(double x) { return x; }
__device__ __forceinline__ float acc_val(bf16 x) { return bf16_to_f32(x.bits); }
__device__ __forceinline__ float acc_val(f16 x) { return f16_to_f32(x.bits); }
__device__ __forceinline__ i64 acc_val(i64 x) { return x; }
__device__ __forceinline__ i64 acc_val(i32 x) { return x; }
__device__ __forceinline__ i64 acc_val(u8 x) { return x; }
__device__ __forceinline__ i64 acc_val(boolean x) { return x.v; }

// store_as narrows an accumulator (float, double or i64) to element type T.
template <class T> __device__ __forceinline__ T store_as(float a) { return Num<T>::from((double)a); }
template <class T> __device__ __forceinline__ T store_as(double a) { return Num<T>::from(a); }
template <class T> __device__ __forceinline__ T store_as(i64 a) { return Num<T>::from(a); }

// Wrapping integer arithmetic on accumulators (signed overflow is undefined
// in C++); plain arithmetic for floats.
__device__ __forceinline__ float acc_add(float a, float b) { return a + b; }
__device__ __forceinline__ double acc_add(double a, double b) { return a + b; }
__device__ __forceinline__ i64 acc_add(i64 a, i64 b) { return (i64)((u64)a + (u64)b); }
__device__ __forceinline__ float acc_mul(float a, float b) { return a * b; }
__device__ __forceinline__ double acc_mul(double a, double b) { return a * b; }
__device__ __forceinline__ i64 acc_mul(i64 a, i64 b) { return (i64)((u64)a * (u64)b); }

// Lowest and highest values of an accumulator type (infinities for floats).
template <class A> __device__ __forceinline__ A acc_lowest();
template <class A> __device__ __forceinline__ A acc_highest();
template <> __device__ __forceinline__ float acc_lowest<float>() { return __uint_as_float(0xff800000u); }
template <> __device__ __forceinline__ float acc_highest<float>() { return __uint_as_float(0x7f800000u); }
template <> __device__ __forceinline__ double acc_lowest<double>() { return __longlong_as_double((i64)0xfff0000000000000ULL); }
template <> __device__ __forceinline__ double acc_highest<double>() { return __longlong_as_double(0x7ff0000000000000LL); }
template <> __device__ __forceinline__ i64 acc_lowest<i64>() { return (i64)0x8000000000000000ULL; }
template <> __device__ __forceinline__ i64 acc_highest<i64>() { return 0x7fffffffffffffffLL; }

// ---- math on float and double -------------------------------------------------
// Explicit overloads, so that float code never silently runs in double.

__device__ __forceinline__ float m_exp(float x) { return expf(x); }
__device__ __forceinline__ double m_exp(double x) { return exp(x); }
__device__ __forceinline__ float m_log(float x) { return logf(x); }
__device__ __forceinline__ double m_log(double x) { return log(x); }
__device__ __forceinline__ float m_log1p(float x) { return log1pf(x); }
__device__ __forceinline__ double m_log1p(double x) { return log1p(x); }
__device__ __forceinline__ float m_expm1(float x) { return expm1f(x); }
__device__ __forceinline__ double m_expm1(double x) { return expm1(x); }
__device__ __forceinline__ float m_sqrt(float x) { return sqrtf(x); }
__device__ __forceinline__ double m_sqrt(double x) { return sqrt(x); }
__device__ __forceinline__ float m_rsqrt(float x) { return rsqrtf(x); }
__device__ __forceinline__ double m_rsqrt(double x) { return rsqrt(x); }
__device__ __forceinline__ float m_sin(float x) { return sinf(x); }
__device__ __forceinline__ double m_sin(double x) { return sin(x); }
__device__ __forceinline__ float m_cos(float x) { return cosf(x); }
__device__ __forceinline__ double m_cos(double x) { return cos(x); }
__device__ __forceinline__ float m_tanh(float x) { return tanhf(x); }
__device__ __forceinline__ double m_tanh(double x) { return tanh(x); }
__device__ __forceinline__ float m_erf(float x) { return erff(x); }
__device__ __forceinline__ double m_erf(double x) { return erf(x); }
__device__ __forceinline__ float m_abs(float x) { return fabsf(x); }
__device__ __forceinline__ double m_abs(double x) { return fabs(x); }
__device__ __forceinline__ float m_floor(float x) { return floorf(x); }
__device__ __forceinline__ double m_floor(double x) { return floor(x); }
__device__ __forceinline__ float m_ceil(float x) { return ceilf(x); }
__device__ __forceinline__ double m_ceil(double x) { return ceil(x); }
__device__ __forceinline__ float m_rint(float x) { return rintf(x); }
__device__ __forceinline__ double m_rint(double x) { return rint(x); }
__device__ __forceinline__ float m_trunc(float x) { return truncf(x); }
__device__ __forceinline__ double m_trunc(double x) { return trunc(x); }
__device__ __forceinline__ float m_pow(float x, float y) { return powf(x, y); }
__device__ __forceinline__ double m_pow(double x, double y) { return pow(x, y); }
__device__ __forceinline__ float m_fmod(float x, float y) { return fmodf(x, y); }
__device__ __forceinline__ double m_fmod(double x, double y) { return fmod(x, y); }

__device__ __forceinline__ float m_copysign(float x, float y) { return copysignf(x, y); }
__device__ __forceinline__ double m_copysign(double x, double y) { return copysign(x, y); }
__device__ __forceinline__ float m_log2(float x) { return log2f(x); }
__device__ __forceinline__ double m_log2(double x) { return log2(x); }
__device__ __forceinline__ float m_tan(float x) { return tanf(x); }
__device__ __forceinline__ double m_tan(double x) { return tan(x); }
__device__ __forceinline__ float m_atan2(float y, float x) { return atan2f(y, x); }
__device__ __forceinline__ double m_atan2(double y, double x) { return atan2(y, x); }

template <class A> __device__ __forceinline__ A m_inf();
template <> __device__ __forceinline__ float m_inf<float>() { return __uint_as_float(0x7f800000u); }
template <> __device__ __forceinline__ double m_inf<double>() { return __longlong_as_double(0x7ff0000000000000LL); }
template <class A> __device__ __forceinline__ A m_nan();
template <> __device__ __forceinline__ float m_nan<float>() { return __uint_as_float(0x7fc00000u); }
template <> __device__ __forceinline__ double m_nan<double>() { return __longlong_as_double(0x7ff8000000000000LL); }

// NaN-propagating max and min (fmaxf would drop the NaN).
template <class A> __device__ __forceinline__ A nan_max(A a, A b) { return (a > b || a != a) ? a : b; }
template <class A> __device__ __forceinline__ A nan_min(A a, A b) { return (a < b || a != a) ? a : b; }

// ---- indexing -----------------------------------------------------------------

// offset1..3 turn a linear index over sh into element offsets of 1 to 3
// operands. The index and the shape use 32-bit arithmetic (the host splits
// iteration spaces of 2^31 elements or more); offsets are 64-bit. The loops
// are unrolled so the structs stay in parameter space.
__device__ __forceinline__ i64 offset1(const Shape& sh, u32 i, const Strides& a) {
  if (sh.flat) return a.offset + i;
  i64 oa = a.offset;
#pragma unroll
  for (int d = EMBER_MAX_DIMS - 1; d >= 0; --d) {
    if (d < sh.ndim) {
      const u32 n = (u32)sh.dim[d], q = i / n;
      oa += (i64)(i - q * n) * a.s[d];
      i = q;
    }
  }
  return oa;
}

__device__ __forceinline__ void offset2(const Shape& sh, u32 i, const Strides& a, const Strides& b, i64& oa, i64& ob) {
  if (sh.flat) {
    oa = a.offset + i;
    ob = b.offset + i;
    return;
  }
  oa = a.offset;
  ob = b.offset;
#pragma unroll
  for (int d = EMBER_MAX_DIMS - 1; d >= 0; --d) {
    if (d < sh.ndim) {
      const u32 n = (u32)sh.dim[d], q = i / n;
      const i64 r = i - q * n;
      oa += r * a.s[d];
      ob += r * b.s[d];
      i = q;
    }
  }
}

__device__ __forceinline__ void offset3(const Shape& sh, u32 i, const Strides& a, const Strides& b, const Strides& c,
                                        i64& oa, i64& ob, i64& oc) {
  if (sh.flat) {
    oa = a.offset + i;
    ob = b.offset + i;
    oc = c.offset + i;
    return;
  }
  oa = a.offset;
  ob = b.offset;
  oc = c.offset;
#pragma unroll
  for (int d = EMBER_MAX_DIMS - 1; d >= 0; --d) {
    if (d < sh.ndim) {
      const u32 n = (u32)sh.dim[d], q = i / n;
      const i64 r = i - q * n;
      oa += r * a.s[d];
      ob += r * b.s[d];
      oc += r * c.s[d];
      i = q;
    }
  }
}

__device__ __forceinline__ i64 global_thread() { return (i64)blockIdx.x * blockDim.x + threadIdx.x; }
__device__ __forceinline__ i64 grid_threads() { return (i64)blockDim.x * gridDim.x; }

// ---- reductions -----------------------------------------------------------------

struct SumOp {
  template <class A> __device__ static A identity() { return A(0); }
  template <class A> __device__ static A combine(A a, A b) { return a + b; }
};
struct ProdOp {
  template <class A> __device__ static A identity() { return A(1); }
  template <class A> __device__ static A combine(A a, A b) { return a * b; }
};
struct MaxOp {
  template <class A> __device__ static A identity() { return -m_inf<A>(); }
  template <class A> __device__ static A combine(A a, A b) { return nan_max(a, b); }
};
struct MinOp {
  template <class A> __device__ static A identity() { return m_inf<A>(); }
  template <class A> __device__ static A combine(A a, A b) { return nan_min(a, b); }
};

template <class R, class A> __device__ __forceinline__ A warp_reduce(A v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v = R::template combine<A>(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// block_reduce combines v over the whole block and returns the result to
// every thread. smem needs 32 elements. It may be called repeatedly with the
// same smem.
template <class R, class A> __device__ __forceinline__ A block_reduce(A v, A* smem) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = (blockDim.x + 31) >> 5;
  v = warp_reduce<R>(v);
  __syncthreads();  // the previous call's readers are done with smem
  if (lane == 0) smem[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = lane < nwarps ? smem[lane] : R::template identity<A>();
    v = warp_reduce<R>(v);
    if (lane == 0) smem[0] = v;
  }
  __syncthreads();
  return smem[0];
}

// Device-side error reporting: kernels that can meet bad indices set
// *err_opt to a nonzero code (first writer wins) when err_opt is not null.
__device__ __forceinline__ void report_error(int* err_opt, int code) {
  if (err_opt) atomicCAS(err_opt, 0, code);
}

// ---- bits, exact double arithmetic, atomics ----------------------------------
// Each has a device definition and a plain one that the CPU emulator
// (internal/emu, which compiles these files as C++ and runs the threads of
// a block as fibers on one OS thread) uses instead.

__device__ __forceinline__ u64 f64_bits(double x) {
#ifdef __CUDA_ARCH__
  return (u64)__double_as_longlong(x);
#else
  u64 u;
  memcpy(&u, &x, 8);
  return u;
#endif
}
__device__ __forceinline__ double f64_from_bits(u64 u) { return __longlong_as_double((i64)u); }

// High 64 bits of the 128-bit product a*b.
__device__ __forceinline__ u64 umulhi64(u64 a, u64 b) {
#ifdef __CUDA_ARCH__
  return __umul64hi(a, b);
#else
  return (u64)(((unsigned __int128)a * b) >> 64);
#endif
}

// Correctly rounded double operations that the compiler never contracts
// into fused multiply-adds (the portable functions of internal/philox rely
// on that; NVRTC contracts plain a*b+c by default).
__device__ __forceinline__ double d_add(double a, double b) {
#ifdef __CUDA_ARCH__
  return __dadd_rn(a, b);
#else
  return a + b;
#endif
}
__device__ __forceinline__ double d_sub(double a, double b) {
#ifdef __CUDA_ARCH__
  return __dsub_rn(a, b);
#else
  return a - b;
#endif
}
__device__ __forceinline__ double d_mul(double a, double b) {
#ifdef __CUDA_ARCH__
  return __dmul_rn(a, b);
#else
  return a * b;
#endif
}
__device__ __forceinline__ double d_div(double a, double b) {
#ifdef __CUDA_ARCH__
  return __ddiv_rn(a, b);
#else
  return a / b;
#endif
}
__device__ __forceinline__ double d_sqrt(double a) {
#ifdef __CUDA_ARCH__
  return __dsqrt_rn(a);
#else
  return sqrt(a);
#endif
}
__device__ __forceinline__ double d_fma(double a, double b, double c) {
#ifdef __CUDA_ARCH__
  return __fma_rn(a, b, c);
#else
  return fma(a, b, c);
#endif
}

// warp_sync orders shared-memory accesses between the lanes of a warp that
// all call it (a shuffle is a warp barrier in the emulator).
__device__ __forceinline__ void warp_sync() {
#ifdef __CUDA_ARCH__
  __syncwarp();
#else
  (void)__shfl_sync(0xffffffffu, 0, 0);
#endif
}

// acc_elem is the addend atomic_add_elem takes for an element.
__device__ __forceinline__ float acc_elem(float x) { return x; }
__device__ __forceinline__ double acc_elem(double x) { return x; }
__device__ __forceinline__ float acc_elem(bf16 x) { return bf16_to_f32(x.bits); }
__device__ __forceinline__ float acc_elem(f16 x) { return f16_to_f32(x.bits); }
__device__ __forceinline__ i64 acc_elem(i64 x) { return x; }
__device__ __forceinline__ i32 acc_elem(i32 x) { return x; }
__device__ __forceinline__ u8 acc_elem(u8 x) { return x; }
__device__ __forceinline__ boolean acc_elem(boolean x) { return x; }

// atomic_add_elem adds v to *p atomically, for every element type: 32/64-bit
// floats and integers natively, 16-bit floats and u8 by a compare-and-swap
// of the aligned 32-bit word that holds them (so they must not share that
// word with memory outside the tensor's allocation; the allocator's 512-byte
// granules ensure it). For bool, adding is logical or.
__device__ __forceinline__ void atomic_add_elem(float* p, float v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add_elem(double* p, double v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add_elem(i64* p, i64 v) {
#ifdef __CUDA_ARCH__
  atomicAdd((unsigned long long*)p, (unsigned long long)v);
#else
  *p = (i64)((u64)*p + (u64)v);
#endif
}
__device__ __forceinline__ void atomic_add_elem(i32* p, i32 v) {
#ifdef __CUDA_ARCH__
  atomicAdd(p, v);
#else
  *p = (i32)((u32)*p + (u32)v);
#endif
}

// atomic_update_sub32 replaces the 8- or 16-bit field at byte address p
// (width bits wide) by f(old field) with a compare-and-swap loop.
template <class F> __device__ __forceinline__ void atomic_update_sub32(void* p, u32 width, F f) {
  const u64 addr = (u64)p;
  u32* word = (u32*)(addr & ~(u64)3);
  const u32 shift = (u32)(addr & 3) * 8u, mask = (width == 32u ? 0xffffffffu : ((1u << width) - 1u)) << shift;
  u32 old = *word, assumed;
  do {
    assumed = old;
    const u32 field = f((assumed & mask) >> shift);
    const u32 next = (assumed & ~mask) | ((field << shift) & mask);
    old = atomicCAS(word, assumed, next);
  } while (old != assumed);
}
struct AddBF16 {
  float v;
  __device__ u32 operator()(u32 h) const { return f32_to_bf16(bf16_to_f32((u16)h) + v); }
};
struct AddF16 {
  float v;
  __device__ u32 operator()(u32 h) const { return f32_to_f16(f16_to_f32((u16)h) + v); }
};
struct AddU8 {
  u32 v;
  __device__ u32 operator()(u32 b) const { return (b + v) & 0xffu; }
};
__device__ __forceinline__ void atomic_add_elem(bf16* p, float v) { atomic_update_sub32(p, 16u, AddBF16{v}); }
__device__ __forceinline__ void atomic_add_elem(f16* p, float v) { atomic_update_sub32(p, 16u, AddF16{v}); }
__device__ __forceinline__ void atomic_add_elem(u8* p, u8 v) { atomic_update_sub32(p, 8u, AddU8{v}); }
__device__ __forceinline__ void atomic_add_elem(boolean* p, boolean v) {
  if (v.v) p->v = 1;  // every racing writer stores the same byte
}

// ---- argmax / argmin ----------------------------------------------------------

// better(a, b): whether candidate a beats candidate b. NaN is the extreme
// value; ties go to the lower index.
struct ArgMax {
  template <class A> __device__ static bool better(A va, i64 ia, A vb, i64 ib) {
    const bool na = va != va, nb = vb != vb;
    if (na || nb) return na && (!nb || ia < ib);
    return va > vb || (va == vb && ia < ib);
  }
};
struct ArgMin {
  template <class A> __device__ static bool better(A va, i64 ia, A vb, i64 ib) {
    const bool na = va != va, nb = vb != vb;
    if (na || nb) return na && (!nb || ia < ib);
    return va < vb || (va == vb && ia < ib);
  }
};

// No index: loses to every real candidate.
#define EMBER_NO_INDEX 0x7fffffffffffffffLL

// take replaces (v, i) by (v2, i2) if that candidate wins; a missing
// candidate (EMBER_NO_INDEX) never wins.
template <class Cmp, class A> __device__ __forceinline__ void take(A& v, i64& i, A v2, i64 i2) {
  if (i2 != EMBER_NO_INDEX && (i == EMBER_NO_INDEX || Cmp::template better<A>(v2, i2, v, i))) {
    v = v2;
    i = i2;
  }
}

template <class Cmp, class A> __device__ __forceinline__ void warp_arg_reduce(A& v, i64& i) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) {
    const A v2 = __shfl_xor_sync(0xffffffffu, v, o);
    const i64 i2 = __shfl_xor_sync(0xffffffffu, i, o);
    take<Cmp>(v, i, v2, i2);
  }
}

// ---- more indexing ---------------------------------------------------------------

__device__ __forceinline__ void offset4(const Shape& sh, u32 i, const Strides& a, const Strides& b, const Strides& c,
                                        const Strides& d, i64& oa, i64& ob, i64& oc, i64& od) {
  if (sh.flat) {
    oa = a.offset + i;
    ob = b.offset + i;
    oc = c.offset + i;
    od = d.offset + i;
    return;
  }
  oa = a.offset;
  ob = b.offset;
  oc = c.offset;
  od = d.offset;
#pragma unroll
  for (int k = EMBER_MAX_DIMS - 1; k >= 0; --k) {
    if (k < sh.ndim) {
      const u32 n = (u32)sh.dim[k], q = i / n;
      const i64 r = i - q * n;
      oa += r * a.s[k];
      ob += r * b.s[k];
      oc += r * c.s[k];
      od += r * d.s[k];
      i = q;
    }
  }
}

// ---- runs: several elements a thread -------------------------------------------
// The memory-bound elementwise kernels (cast, fill, unary, binary) move a run
// of N neighbouring elements of the iteration space per thread, with one
// 16-byte access per operand where the layout allows it: the one-element
// grid-stride loop's 2- and 4-byte accesses keep too few bytes in flight to
// approach the memory's bandwidth. N is 16 bytes of the widest operand
// (RunWidth). Runs start at indices that are multiples of N.

template <class T, int N> struct alignas(sizeof(T) * N) Run {
  T v[N];
};

template <int Size> struct RunWidth {
  enum { n = 16 / Size };
};

// run_mode tells how operand s (storage p) can be accessed in runs of N
// elements over sh: 1, as N contiguous elements aligned to the run's size;
// 0, as one element repeated (the inner dim is broadcast); -1, not at all.
// A flat space has runs everywhere but in its tail (n mod N elements); any
// other needs an inner dim that is a multiple of N, and for contiguous runs
// outer strides that are multiples of N.
template <int N, class T> __device__ __forceinline__ int run_mode(const Shape& sh, const Strides& s, const T* p) {
  const bool aligned = ((u64)(p + s.offset) % (sizeof(T) * N)) == 0;
  if (sh.flat) return aligned ? 1 : -1;
  if (sh.ndim < 1) return -1;
  // One pass in dim order, so every index is a constant (a selected index
  // would copy the structs to local memory).
  i64 inner_dim = 0, inner_stride = 0;
  bool outer_ok = true;
#pragma unroll
  for (int k = 0; k < EMBER_MAX_DIMS; ++k) {
    if (k < sh.ndim) {
      if (inner_stride % N != 0) outer_ok = false;  // the previous dim is an outer one
      inner_dim = sh.dim[k];
      inner_stride = s.s[k];
    }
  }
  if (inner_dim % N != 0) return -1;
  if (inner_stride == 0) return 0;
  return inner_stride == 1 && aligned && outer_ok ? 1 : -1;
}

// load_run reads the run at p in mode (1 or 0, see run_mode).
template <int N, class T> __device__ __forceinline__ Run<T, N> load_run(const T* __restrict__ p, int mode) {
  Run<T, N> r;
  if (mode == 1) {
    r = *reinterpret_cast<const Run<T, N>*>(p);
  } else {
    const T x = *p;
#pragma unroll
    for (int j = 0; j < N; ++j) r.v[j] = x;
  }
  return r;
}

// store_run writes a contiguous, aligned run at p.
template <int N, class T> __device__ __forceinline__ void store_run(T* __restrict__ p, const Run<T, N>& r) {
  *reinterpret_cast<Run<T, N>*>(p) = r;
}

// map_runs writes out = f(in) over sh, in runs of N elements where both
// layouts allow (run_mode) and one element at a time elsewhere (the tail of
// a flat space, or every element of a layout without runs).
template <int N, class To, class From, class F>
__device__ __forceinline__ void map_runs(To* __restrict__ out, const Strides& out_st, const From* __restrict__ in,
                                         const Strides& in_st, const Shape& sh, i64 n, F f) {
  u32 done = 0;
  const int mode = run_mode<N>(sh, in_st, in);
  if (mode >= 0 && run_mode<N>(sh, out_st, out) == 1) {
    const u32 runs = (u32)n / N;
    for (u32 q = (u32)global_thread(); q < runs; q += (u32)grid_threads()) {
      i64 oo, oi;
      offset2(sh, q * N, out_st, in_st, oo, oi);
      const Run<From, N> x = load_run<N>(in + oi, mode);
      Run<To, N> y;
#pragma unroll
      for (int j = 0; j < N; ++j) y.v[j] = f(x.v[j]);
      store_run(out + oo, y);
    }
    done = runs * N;
  }
  for (u32 i = done + (u32)global_thread(); i < (u32)n; i += (u32)grid_threads()) {
    i64 oo, oi;
    offset2(sh, i, out_st, in_st, oo, oi);
    out[oo] = f(in[oi]);
  }
}

// coord returns the coordinate along dim axis of linear index i over sh.
__device__ __forceinline__ i64 coord(const Shape& sh, u32 i, int axis) {
  u32 c = 0;
#pragma unroll
  for (int k = EMBER_MAX_DIMS - 1; k >= 0; --k) {
    if (k < sh.ndim) {
      const u32 n = (u32)sh.dim[k], q = i / n;
      if (k == axis) c = i - q * n;
      i = q;
    }
  }
  return c;
}

}  // namespace ember
