// ember_elementwise.cu: maps over strided tensors of up to EMBER_MAX_DIMS
// dims with broadcasting (zero strides). See ember_common.cuh for the
// Shape/Strides conventions. n is the element count of the iteration shape
// and must be below 2^31 (the host splits larger ones). The op is a run-time
// code (uop/bop/cop below): one kernel per element type serves every op,
// which keeps compile and module-load times small; the switch is uniform
// across a launch, so it costs a few instructions per element. The results
// follow the CPU backend (backend/cpu), computed in Acc<T>::type.
//
// Kernels (F is float, double, ember::bf16 or ember::f16; I is ember::i64,
// ember::i32 or ember::u8; T is any of the eight element types):
//
//   ember::unary<F>(F* out, Strides out_st, const F* in, Strides in_st,
//       Shape sh, i64 n, int op, double p0, double p1)
//     out = op(in), op a uop code; p0 and p1 are the op's scalars:
//     LeakyRelu slope p0; Elu alpha p0; Softplus beta p0, threshold p1
//     (x*beta > threshold gives x); Clamp [p0, p1] (a NaN bound is no
//     bound); Affine in*p0 + p1; PowScalar in^p0; RPowScalar p0^in;
//     AddScalar in + p0; MulScalar in * p0; NanToNum NaN -> p0,
//     +Inf -> p1, -Inf -> -p1. Other ops ignore them.
//
//   ember::unary_int<I>(I* out, Strides out_st, const I* in, Strides in_st,
//       Shape sh, i64 n, int op, double p0, double p1)
//     The integer subset: Neg, Abs, Sign, Square, Relu, Clamp, Floor, Ceil,
//     Round, Trunc (the identity), AddScalar, MulScalar, with wrapping
//     arithmetic; the scalars convert like a cast (truncation). Other codes
//     write 0.
//
//   ember::unary_bool<T>(ember::boolean* out, Strides out_st, const T* in,
//       Strides in_st, Shape sh, i64 n, int op)
//     IsNan, IsInf, IsFinite (integers and bool are finite numbers) and Not
//     (in == 0). Other codes write false.
//
//   ember::binary<F>(F* out, Strides out_st, const F* a, Strides a_st,
//       const F* b, Strides b_st, Shape sh, i64 n, int op)
//     out = op(a, b), op a bop code. Remainder and FloorDiv are Python's
//     (the remainder has the sign of b; b == 0 gives NaN and a/b). The
//     *Grad ops are backward helpers: a is the forward input (the forward
//     output for SigmoidGrad and TanhGrad) and b the incoming gradient.
//
//   ember::binary_int<I>(I* out, Strides out_st, const I* a, Strides a_st,
//       const I* b, Strides b_st, Shape sh, i64 n, int op, int* err_opt)
//     Add, Sub, Mul (wrapping), Div and FloorDiv (floor division), Maximum,
//     Minimum, Remainder (sign of b), Pow (b <= 0 gives 1). Division or
//     remainder by zero writes 0 and sets error code 1; other codes write 0.
//
//   ember::compare<T>(ember::boolean* out, Strides out_st, const T* a,
//       Strides a_st, const T* b, Strides b_st, Shape sh, i64 n, int op)
//     out = op(a, b) as bool, op a cop code: the six comparisons (bool
//     compares as 0 < 1) and the logical And, Or, Xor of a != 0 and b != 0
//     (NaN is true). The host maps bool Add/Maximum to Or and Mul/Minimum
//     to And, as the CPU does.
//
// An unknown op code writes NaN (unary, binary), 0 or false.
#include "ember_common.cuh"

namespace ember {

// Unary op codes (kernels.UnaryOp in Go mirrors them).
namespace uop {
enum : int {
  Neg = 0, Abs = 1, Sqrt = 2, Rsqrt = 3, Exp = 4, Log = 5, Log1p = 6, Expm1 = 7, Sin = 8, Cos = 9,
  Tanh = 10, Sigmoid = 11, Relu = 12, Gelu = 13, GeluTanh = 14, Silu = 15, Square = 16, Reciprocal = 17,
  Floor = 18, Ceil = 19, Round = 20, Trunc = 21, Sign = 22, Erf = 23, Softplus = 24, Affine = 25,
  PowScalar = 26, Clamp = 27, LeakyRelu = 28, Log2 = 29, Tan = 30, Elu = 31, Selu = 32, Mish = 33,
  RPowScalar = 34, AddScalar = 35, MulScalar = 36, NanToNum = 37, IsNan = 38, IsInf = 39, IsFinite = 40,
  Not = 41
};
}  // namespace uop

// Binary op codes (kernels.BinaryOp).
namespace bop {
enum : int {
  Add = 0, Sub = 1, Mul = 2, Div = 3, Maximum = 4, Minimum = 5, Pow = 6, Remainder = 7, ReluGrad = 8,
  GeluGrad = 9, GeluTanhGrad = 10, SiluGrad = 11, SigmoidGrad = 12, TanhGrad = 13, FloorDiv = 14, Atan2 = 15
};
}  // namespace bop

// Comparison and logical op codes (kernels.CompareOp).
namespace cop {
enum : int { Eq = 0, Ne = 1, Lt = 2, Le = 3, Gt = 4, Ge = 5, And = 6, Or = 7, Xor = 8 };
}  // namespace cop

#define EMBER_SQRT1_2 0.70710678118654752440
#define EMBER_SQRT2_PI 0.79788456080286535588  // sqrt(2/pi)
#define EMBER_INV_SQRT_2PI 0.39894228040143267794
#define EMBER_SELU_ALPHA 1.6732632423543772848170429916717
#define EMBER_SELU_SCALE 1.0507009873554804934193349852946

template <class A> __device__ __forceinline__ A sigmoid(A x) { return A(1) / (A(1) + m_exp(-x)); }

template <class A> __device__ __forceinline__ A softplus(A x, A beta, A threshold) {
  return x * beta > threshold ? x : m_log1p(m_exp(x * beta)) / beta;
}

template <class A> __device__ __forceinline__ A apply_unary(int op, A x, A p0, A p1) {
  switch (op) {
    case uop::Neg: return -x;
    case uop::Abs: return m_abs(x);
    case uop::Sqrt: return m_sqrt(x);
    case uop::Rsqrt: return m_rsqrt(x);
    case uop::Exp: return m_exp(x);
    case uop::Log: return m_log(x);
    case uop::Log1p: return m_log1p(x);
    case uop::Expm1: return m_expm1(x);
    case uop::Sin: return m_sin(x);
    case uop::Cos: return m_cos(x);
    case uop::Tanh: return m_tanh(x);
    case uop::Sigmoid: return sigmoid(x);
    case uop::Relu: return (x > A(0) || x != x) ? x : A(0);  // keeps NaN; -0 gives +0
    case uop::Gelu: return A(0.5) * x * (A(1) + m_erf(x * A(EMBER_SQRT1_2)));
    case uop::GeluTanh:
      return A(0.5) * x * (A(1) + m_tanh(A(EMBER_SQRT2_PI) * (x + A(0.044715) * x * x * x)));
    case uop::Silu: return x * sigmoid(x);
    case uop::Square: return x * x;
    case uop::Reciprocal: return A(1) / x;
    case uop::Floor: return m_floor(x);
    case uop::Ceil: return m_ceil(x);
    case uop::Round: return m_rint(x);  // half to even, as torch.round
    case uop::Trunc: return m_trunc(x);
    case uop::Sign: return x > A(0) ? A(1) : x < A(0) ? A(-1) : x != x ? A(0) : x;  // sign(NaN) = 0; ±0 stay
    case uop::Erf: return m_erf(x);
    case uop::Softplus: return softplus(x, p0, p1);
    case uop::Affine: return x * p0 + p1;
    case uop::PowScalar:
      if (p0 == A(2)) return x * x;
      if (p0 == A(1)) return x;
      if (p0 == A(0.5)) return m_sqrt(x);
      return m_pow(x, p0);
    case uop::Clamp: {  // a NaN bound compares false: no bound on that side
      const A r = x < p0 ? p0 : x;
      return r > p1 ? p1 : r;
    }
    case uop::LeakyRelu: return x < A(0) ? x * p0 : x;
    case uop::Log2: return m_log2(x);
    case uop::Tan: return m_tan(x);
    case uop::Elu: return x > A(0) ? x : p0 * m_expm1(x);
    case uop::Selu: return x > A(0) ? A(EMBER_SELU_SCALE) * x : A(EMBER_SELU_SCALE * EMBER_SELU_ALPHA) * m_expm1(x);
    case uop::Mish: return x * m_tanh(softplus(x, A(1), A(20)));
    case uop::RPowScalar: return m_pow(p0, x);
    case uop::AddScalar: return x + p0;
    case uop::MulScalar: return x * p0;
    case uop::NanToNum:
      if (x != x) return p0;
      if (x == m_inf<A>()) return p1;
      if (x == -m_inf<A>()) return -p1;
      return x;
  }
  return m_nan<A>();
}

// Python's float modulo: the result has the sign of b.
template <class A> __device__ __forceinline__ A py_mod(A a, A b) {
  if (b == A(0)) return m_nan<A>();
  A m = m_fmod(a, b);
  if (m != A(0) && ((m < A(0)) != (b < A(0)))) m += b;
  return m;
}

// PyTorch's floor_divide for floats (CPU backend's pyFloorDiv).
template <class A> __device__ __forceinline__ A py_floor_div(A a, A b) {
  if (b == A(0)) return a / b;
  const A m = m_fmod(a, b);
  A div = (a - m) / b;
  if (m != A(0) && ((b < A(0)) != (m < A(0)))) div -= A(1);
  if (div == A(0)) return m_copysign(A(0), a / b);
  A fl = m_floor(div);
  if (div - fl > A(0.5)) fl += A(1);
  return fl;
}

template <class A> __device__ __forceinline__ A apply_binary(int op, A a, A b) {
  switch (op) {
    case bop::Add: return a + b;
    case bop::Sub: return a - b;
    case bop::Mul: return a * b;
    case bop::Div: return a / b;
    case bop::Maximum: return nan_max(a, b);
    case bop::Minimum: return nan_min(a, b);
    case bop::Pow: return m_pow(a, b);
    case bop::Remainder: return py_mod(a, b);
    case bop::ReluGrad: return a <= A(0) ? A(0) : b;  // NaN passes the gradient, as threshold_backward
    case bop::GeluGrad:
      return b * (A(0.5) * (A(1) + m_erf(a * A(EMBER_SQRT1_2))) + a * A(EMBER_INV_SQRT_2PI) * m_exp(A(-0.5) * a * a));
    case bop::GeluTanhGrad: {
      const A k = A(EMBER_SQRT2_PI), c = A(0.044715);
      const A t = m_tanh(k * (a + c * a * a * a));
      return b * (A(0.5) * (A(1) + t) + A(0.5) * a * (A(1) - t * t) * k * (A(1) + A(3) * c * a * a));
    }
    case bop::SiluGrad: {
      const A s = sigmoid(a);
      return b * s * (A(1) + a * (A(1) - s));
    }
    case bop::SigmoidGrad: return b * a * (A(1) - a);
    case bop::TanhGrad: return b * (A(1) - a * a);
    case bop::FloorDiv: return py_floor_div(a, b);
    case bop::Atan2: return m_atan2(a, b);
  }
  return m_nan<A>();
}

template <class T>
__global__ void unary(T* __restrict__ out, Strides out_st, const T* __restrict__ in, Strides in_st, Shape sh, i64 n,
                      int op, double p0, double p1) {
  typedef typename Acc<T>::type A;
  enum { N = RunWidth<sizeof(T)>::n };
  const A a0 = (A)p0, a1 = (A)p1;
  map_runs<N>(out, out_st, in, in_st, sh, n,
              [=](T x) { return from_acc<T>(apply_unary<A>(op, to_acc(x), a0, a1)); });
}

template <class T>
__global__ void binary(T* __restrict__ out, Strides out_st, const T* __restrict__ a, Strides a_st,
                       const T* __restrict__ b, Strides b_st, Shape sh, i64 n, int op) {
  typedef typename Acc<T>::type A;
  enum { N = RunWidth<sizeof(T)>::n };
  u32 done = 0;
  const int ma = run_mode<N>(sh, a_st, a), mb = run_mode<N>(sh, b_st, b);
  if (ma >= 0 && mb >= 0 && run_mode<N>(sh, out_st, out) == 1) {
    const u32 runs = (u32)n / N;
    for (u32 q = (u32)global_thread(); q < runs; q += (u32)grid_threads()) {
      i64 oo, oa, ob;
      offset3(sh, q * N, out_st, a_st, b_st, oo, oa, ob);
      const Run<T, N> x = load_run<N>(a + oa, ma), y = load_run<N>(b + ob, mb);
      Run<T, N> z;
#pragma unroll
      for (int j = 0; j < N; ++j) z.v[j] = from_acc<T>(apply_binary<A>(op, to_acc(x.v[j]), to_acc(y.v[j])));
      store_run(out + oo, z);
    }
    done = runs * N;
  }
  for (u32 i = done + (u32)global_thread(); i < (u32)n; i += (u32)grid_threads()) {
    i64 oo, oa, ob;
    offset3(sh, i, out_st, a_st, b_st, oo, oa, ob);
    out[oo] = from_acc<T>(apply_binary<A>(op, to_acc(a[oa]), to_acc(b[ob])));
  }
}

// ---- integers ---------------------------------------------------------------------
// U is the unsigned twin of I, for wrapping arithmetic.

template <class I> struct Unsigned;
template <> struct Unsigned<i64> { typedef u64 type; };
template <> struct Unsigned<i32> { typedef u32 type; };
template <> struct Unsigned<u8> { typedef u32 type; };  // promoted, then truncated

__device__ __forceinline__ bool is_neg(i64 x) { return x < 0; }
__device__ __forceinline__ bool is_neg(i32 x) { return x < 0; }
__device__ __forceinline__ bool is_neg(u8) { return false; }

template <class I> __device__ __forceinline__ I apply_unary_int(int op, I x, double p0, double p1) {
  typedef typename Unsigned<I>::type U;
  switch (op) {
    case uop::Neg: return (I)(U)(U(0) - (U)x);
    case uop::Abs: return is_neg(x) ? (I)(U)(U(0) - (U)x) : x;
    case uop::Sign: return x > I(0) ? I(1) : is_neg(x) ? (I)(U)(U(0) - U(1)) : I(0);
    case uop::Square: return (I)(U)((U)x * (U)x);
    case uop::Relu: return x > I(0) ? x : I(0);
    case uop::Clamp: {
      I r = x;
      if ((double)r < p0) r = Num<I>::from(p0);  // a NaN bound compares false
      if ((double)r > p1) r = Num<I>::from(p1);
      return r;
    }
    case uop::Floor:
    case uop::Ceil:
    case uop::Round:
    case uop::Trunc: return x;
    case uop::AddScalar: return (I)(U)((U)x + (U)Num<I>::from(p0));
    case uop::MulScalar: return (I)(U)((U)x * (U)Num<I>::from(p0));
  }
  return I(0);
}

template <class I>
__global__ void unary_int(I* __restrict__ out, Strides out_st, const I* __restrict__ in, Strides in_st, Shape sh, i64 n,
                          int op, double p0, double p1) {
  for (u32 i = (u32)global_thread(); i < (u32)n; i += (u32)grid_threads()) {
    i64 oo, oi;
    offset2(sh, i, out_st, in_st, oo, oi);
    out[oo] = apply_unary_int<I>(op, in[oi], p0, p1);
  }
}

// Python's integer floor division and remainder; div != 0. The one
// overflowing case, min / -1, wraps.
template <class I> __device__ __forceinline__ I int_floor_div(I a, I b) {
  typedef typename Unsigned<I>::type U;
  if (is_neg(b) && b == (I)(U)(U(0) - U(1))) return (I)(U)(U(0) - (U)a);
  I q = a / b;
  if (a % b != I(0) && is_neg(a) != is_neg(b)) q -= I(1);
  return q;
}
template <class I> __device__ __forceinline__ I int_mod(I a, I b) {
  typedef typename Unsigned<I>::type U;
  if (is_neg(b) && b == (I)(U)(U(0) - U(1))) return I(0);
  I m = a % b;
  if (m != I(0) && is_neg(m) != is_neg(b)) m += b;
  return m;
}

template <class I> __device__ __forceinline__ I int_pow(I a, I b) {
  typedef typename Unsigned<I>::type U;
  U r = 1, base = (U)a;
  for (I e = b; e > I(0); e /= I(2)) {  // square and multiply: the same wrapped product as b multiplications
    if (e % I(2) != I(0)) r *= base;
    base *= base;
  }
  return (I)r;
}

template <class I> __device__ __forceinline__ I apply_binary_int(int op, I a, I b, int* err_opt) {
  typedef typename Unsigned<I>::type U;
  switch (op) {
    case bop::Add: return (I)(U)((U)a + (U)b);
    case bop::Sub: return (I)(U)((U)a - (U)b);
    case bop::Mul: return (I)(U)((U)a * (U)b);
    case bop::Maximum: return a > b ? a : b;
    case bop::Minimum: return a < b ? a : b;
    case bop::Div:
    case bop::FloorDiv:
      if (b == I(0)) {
        report_error(err_opt, 1);
        return I(0);
      }
      return int_floor_div(a, b);
    case bop::Remainder:
      if (b == I(0)) {
        report_error(err_opt, 1);
        return I(0);
      }
      return int_mod(a, b);
    case bop::Pow: return int_pow(a, b);
  }
  return I(0);
}

template <class I>
__global__ void binary_int(I* __restrict__ out, Strides out_st, const I* __restrict__ a, Strides a_st,
                           const I* __restrict__ b, Strides b_st, Shape sh, i64 n, int op, int* err_opt) {
  for (u32 i = (u32)global_thread(); i < (u32)n; i += (u32)grid_threads()) {
    i64 oo, oa, ob;
    offset3(sh, i, out_st, a_st, b_st, oo, oa, ob);
    out[oo] = apply_binary_int<I>(op, a[oa], b[ob], err_opt);
  }
}

// ---- bool results -------------------------------------------------------------------

// cmp_val is an element as a comparable value: floats widened, integers
// unchanged, bool as 0 or 1.
__device__ __forceinline__ float cmp_val(float x) { return x; }
__device__ __forceinline__ double cmp_val(double x) { return x; }
__device__ __forceinline__ float cmp_val(bf16 x) { return bf16_to_f32(x.bits); }
__device__ __forceinline__ float cmp_val(f16 x) { return f16_to_f32(x.bits); }
__device__ __forceinline__ i64 cmp_val(i64 x) { return x; }
__device__ __forceinline__ i32 cmp_val(i32 x) { return x; }
__device__ __forceinline__ i32 cmp_val(u8 x) { return x; }
__device__ __forceinline__ i32 cmp_val(boolean x) { return x.v; }

template <class V> __device__ __forceinline__ bool apply_compare(int op, V a, V b) {
  switch (op) {
    case cop::Eq: return a == b;
    case cop::Ne: return a != b;
    case cop::Lt: return a < b;
    case cop::Le: return a <= b;
    case cop::Gt: return a > b;
    case cop::Ge: return a >= b;
    case cop::And: return a != V(0) && b != V(0);
    case cop::Or: return a != V(0) || b != V(0);
    case cop::Xor: return (a != V(0)) != (b != V(0));
  }
  return false;
}

template <class T>
__global__ void compare(boolean* __restrict__ out, Strides out_st, const T* __restrict__ a, Strides a_st,
                        const T* __restrict__ b, Strides b_st, Shape sh, i64 n, int op) {
  for (u32 i = (u32)global_thread(); i < (u32)n; i += (u32)grid_threads()) {
    i64 oo, oa, ob;
    offset3(sh, i, out_st, a_st, b_st, oo, oa, ob);
    out[oo].v = apply_compare(op, cmp_val(a[oa]), cmp_val(b[ob])) ? 1 : 0;
  }
}

template <class V> __device__ __forceinline__ bool apply_unary_bool(int op, V x) {
  const V inf = m_inf<V>();
  switch (op) {
    case uop::IsNan: return x != x;
    case uop::IsInf: return x == inf || x == -inf;
    case uop::IsFinite: return x == x && x != inf && x != -inf;
    case uop::Not: return x == V(0);
  }
  return false;
}
// Integers and bool: never NaN or infinite.
template <> __device__ __forceinline__ bool apply_unary_bool<i64>(int op, i64 x) {
  return op == uop::IsFinite || (op == uop::Not && x == 0);
}
template <> __device__ __forceinline__ bool apply_unary_bool<i32>(int op, i32 x) {
  return op == uop::IsFinite || (op == uop::Not && x == 0);
}

template <class T>
__global__ void unary_bool(boolean* __restrict__ out, Strides out_st, const T* __restrict__ in, Strides in_st, Shape sh,
                           i64 n, int op) {
  for (u32 i = (u32)global_thread(); i < (u32)n; i += (u32)grid_threads()) {
    i64 oo, oi;
    offset2(sh, i, out_st, in_st, oo, oi);
    out[oo].v = apply_unary_bool(op, cmp_val(in[oi])) ? 1 : 0;
  }
}

}  // namespace ember
