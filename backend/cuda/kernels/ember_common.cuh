// ember_common.cuh: the only header Ember's kernels include. It needs no
// CUDA toolkit header (NVRTC compiles it alone), so it defines its own
// integer types, 16-bit float storage types and conversions, the tensor
// layout structs, and warp/block reductions.
//
// Conventions shared by every kernel file:
//   - Element types (template parameter T): float, double, ember::bf16,
//     ember::f16 (16-bit storage, float math), and for fill/cast also
//     ember::i64, ember::i32, ember::u8 and ember::boolean.
//   - Acc<T>::type is the arithmetic type: double for double, float for
//     the rest.
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

// to_f64 / from_f64 convert every element type through double: used by
// fill and cast, where integers must survive exactly.
__device__ __forceinline__ double to_f64(float x) { return (double)x; }
__device__ __forceinline__ double to_f64(double x) { return x; }
__device__ __forceinline__ double to_f64(bf16 x) { return (double)bf16_to_f32(x.bits); }
__device__ __forceinline__ double to_f64(f16 x) { return (double)f16_to_f32(x.bits); }
__device__ __forceinline__ double to_f64(i64 x) { return (double)x; }
__device__ __forceinline__ double to_f64(i32 x) { return (double)x; }
__device__ __forceinline__ double to_f64(u8 x) { return (double)x; }
__device__ __forceinline__ double to_f64(boolean x) { return (double)x.v; }

template <class T> __device__ __forceinline__ T from_f64(double v);
template <> __device__ __forceinline__ float from_f64<float>(double v) { return (float)v; }
template <> __device__ __forceinline__ double from_f64<double>(double v) { return v; }
template <> __device__ __forceinline__ bf16 from_f64<bf16>(double v) { bf16 r; r.bits = f32_to_bf16((float)v); return r; }
template <> __device__ __forceinline__ f16 from_f64<f16>(double v) { f16 r; r.bits = f32_to_f16((float)v); return r; }
// Float to integer truncates toward zero and saturates at the limits (what
// the GPU's cvt.rzi does, made explicit so every device agrees); NaN gives
// 0. u8 goes through i32 and wraps, as a C cast of an in-range int does.
template <> __device__ __forceinline__ i64 from_f64<i64>(double v) {
  if (v != v) return 0;
  if (v >= 9223372036854775807.0) return 0x7fffffffffffffffLL;
  if (v <= -9223372036854775808.0) return (i64)0x8000000000000000ULL;
  return (i64)v;
}
template <> __device__ __forceinline__ i32 from_f64<i32>(double v) {
  if (v != v) return 0;
  if (v >= 2147483647.0) return 2147483647;
  if (v <= -2147483648.0) return (i32)0x80000000u;
  return (i32)v;
}
template <> __device__ __forceinline__ u8 from_f64<u8>(double v) { return (u8)from_f64<i32>(v); }
template <> __device__ __forceinline__ boolean from_f64<boolean>(double v) { boolean r; r.v = v != 0.0 ? 1 : 0; return r; }

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

}  // namespace ember
