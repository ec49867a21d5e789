// ember_elementwise.cu: maps over strided tensors of up to EMBER_MAX_DIMS
// dims with broadcasting (zero strides). See ember_common.cuh for the
// Shape/Strides conventions. n is the element count of the iteration shape
// and must be below 2^31 (the host splits larger ones). The op is a run-time
// code (uop/bop/cop below): one kernel per element type serves every op,
// which keeps compile and module-load times small; the switch is uniform
// across a launch, so it costs a few instructions per element.
//
// Kernels (T is float, double, ember::bf16 or ember::f16):
//
//   ember::unary<T>(T* out, Strides out_st, const T* in, Strides in_st,
//       Shape sh, i64 n, int op, double p0, double p1)
//     out = op(in), op a uop code. p0 and p1 are the scalar parameters of
//     the ops that take them (Affine: in*p0 + p1; PowScalar: in^p0;
//     Clamp: [p0, p1]; LeakyRelu: slope p0); other ops ignore them.
//
//   ember::binary<T>(T* out, Strides out_st, const T* a, Strides a_st,
//       const T* b, Strides b_st, Shape sh, i64 n, int op)
//     out = op(a, b), op a bop code. The *Grad ops are backward helpers: a
//     is the forward input (the forward output for SigmoidGrad and
//     TanhGrad) and b the incoming gradient.
//
//   ember::compare<T>(ember::boolean* out, Strides out_st, const T* a,
//       Strides a_st, const T* b, Strides b_st, Shape sh, i64 n, int op)
//     out = op(a, b) as bool, op a cop code.
//
//   ember::fill<T>(T* out, Strides out_st, Shape sh, i64 n, double value)
//   ember::cast<To, From>(To* out, Strides out_st, const From* in,
//       Strides in_st, Shape sh, i64 n)
//     T, To and From range over all eight element types (also ember::i64,
//     ember::i32, ember::u8, ember::boolean). cast<T, T> is a strided copy.
//     Float to integer truncates toward zero and saturates at the type's
//     limits (NaN gives 0); to u8 goes through i32 and wraps; to boolean is
//     x != 0.
//
// An unknown op code writes NaN (false for compare).
#include "ember_common.cuh"

namespace ember {

// Unary op codes (kernels.UnaryOp in Go mirrors them).
namespace uop {
enum : int {
  Neg = 0, Abs = 1, Sqrt = 2, Rsqrt = 3, Exp = 4, Log = 5, Log1p = 6, Expm1 = 7, Sin = 8, Cos = 9,
  Tanh = 10, Sigmoid = 11, Relu = 12, Gelu = 13, GeluTanh = 14, Silu = 15, Square = 16, Reciprocal = 17,
  Floor = 18, Ceil = 19, Round = 20, Trunc = 21, Sign = 22, Erf = 23, Softplus = 24, Affine = 25,
  PowScalar = 26, Clamp = 27, LeakyRelu = 28
};
}  // namespace uop

// Binary op codes (kernels.BinaryOp).
namespace bop {
enum : int {
  Add = 0, Sub = 1, Mul = 2, Div = 3, Maximum = 4, Minimum = 5, Pow = 6, Remainder = 7, ReluGrad = 8,
  GeluGrad = 9, GeluTanhGrad = 10, SiluGrad = 11, SigmoidGrad = 12, TanhGrad = 13
};
}  // namespace bop

// Comparison op codes (kernels.CompareOp).
namespace cop {
enum : int { Eq = 0, Ne = 1, Lt = 2, Le = 3, Gt = 4, Ge = 5 };
}  // namespace cop

#define EMBER_SQRT1_2 0.70710678118654752440
#define EMBER_SQRT2_PI 0.79788456080286535588  // sqrt(2/pi)
#define EMBER_INV_SQRT_2PI 0.39894228040143267794

template <class A> __device__ __forceinline__ A sigmoid(A x) { return A(1) / (A(1) + m_exp(-x)); }

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
    case uop::Relu: return x < A(0) ? A(0) : x;  // keeps NaN
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
    case uop::Sign: return x != x ? x : A((x > A(0)) - (x < A(0)));
    case uop::Erf: return m_erf(x);
    case uop::Softplus: return x > A(20) ? x : m_log1p(m_exp(x));  // PyTorch's threshold
    case uop::Affine: return x * p0 + p1;
    case uop::PowScalar: return m_pow(x, p0);
    case uop::Clamp: {  // as torch.clamp: max(x, p0) then min(., p1); keeps NaN
      const A r = x < p0 ? p0 : x;
      return r > p1 ? p1 : r;
    }
    case uop::LeakyRelu: return x < A(0) ? x * p0 : x;
  }
  return m_nan<A>();
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
    case bop::Remainder: {  // Python's %: the sign of b
      const A r = m_fmod(a, b);
      return (r != A(0) && ((r < A(0)) != (b < A(0)))) ? r + b : r;
    }
    case bop::ReluGrad: return a > A(0) ? b : A(0);
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
  }
  return m_nan<A>();
}

template <class A> __device__ __forceinline__ bool apply_compare(int op, A a, A b) {
  switch (op) {
    case cop::Eq: return a == b;
    case cop::Ne: return a != b;
    case cop::Lt: return a < b;
    case cop::Le: return a <= b;
    case cop::Gt: return a > b;
    case cop::Ge: return a >= b;
  }
  return false;
}

template <class T>
__global__ void unary(T* __restrict__ out, Strides out_st, const T* __restrict__ in, Strides in_st, Shape sh, i64 n,
                      int op, double p0, double p1) {
  typedef typename Acc<T>::type A;
  const A a0 = (A)p0, a1 = (A)p1;
  for (u32 i = (u32)global_thread(); i < (u32)n; i += (u32)grid_threads()) {
    i64 oo, oi;
    offset2(sh, i, out_st, in_st, oo, oi);
    out[oo] = from_acc<T>(apply_unary<A>(op, to_acc(in[oi]), a0, a1));
  }
}

template <class T>
__global__ void binary(T* __restrict__ out, Strides out_st, const T* __restrict__ a, Strides a_st,
                       const T* __restrict__ b, Strides b_st, Shape sh, i64 n, int op) {
  typedef typename Acc<T>::type A;
  for (u32 i = (u32)global_thread(); i < (u32)n; i += (u32)grid_threads()) {
    i64 oo, oa, ob;
    offset3(sh, i, out_st, a_st, b_st, oo, oa, ob);
    out[oo] = from_acc<T>(apply_binary<A>(op, to_acc(a[oa]), to_acc(b[ob])));
  }
}

template <class T>
__global__ void compare(boolean* __restrict__ out, Strides out_st, const T* __restrict__ a, Strides a_st,
                        const T* __restrict__ b, Strides b_st, Shape sh, i64 n, int op) {
  typedef typename Acc<T>::type A;
  for (u32 i = (u32)global_thread(); i < (u32)n; i += (u32)grid_threads()) {
    i64 oo, oa, ob;
    offset3(sh, i, out_st, a_st, b_st, oo, oa, ob);
    out[oo].v = apply_compare<A>(op, to_acc(a[oa]), to_acc(b[ob])) ? 1 : 0;
  }
}

template <class T>
__global__ void fill(T* __restrict__ out, Strides out_st, Shape sh, i64 n, double value) {
  const T v = from_f64<T>(value);
  for (u32 i = (u32)global_thread(); i < (u32)n; i += (u32)grid_threads()) out[offset1(sh, i, out_st)] = v;
}

// Convert<To, From> is the element conversion of cast.
template <class To, class From> struct Convert {
  __device__ static To apply(From x) { return from_f64<To>(to_f64(x)); }
};
template <class T> struct Convert<T, T> {
  __device__ static T apply(T x) { return x; }
};
// Between integer types no double round trip, so all 64 bits survive.
template <> struct Convert<i64, i32> {
  __device__ static i64 apply(i32 x) { return x; }
};
template <> struct Convert<i32, i64> {
  __device__ static i32 apply(i64 x) { return (i32)x; }
};
template <> struct Convert<i64, u8> {
  __device__ static i64 apply(u8 x) { return x; }
};
template <> struct Convert<u8, i64> {
  __device__ static u8 apply(i64 x) { return (u8)x; }
};
template <> struct Convert<i64, boolean> {
  __device__ static i64 apply(boolean x) { return x.v; }
};
template <> struct Convert<boolean, i64> {
  __device__ static boolean apply(i64 x) {
    boolean r;
    r.v = x != 0;
    return r;
  }
};

template <class To, class From>
__global__ void cast(To* __restrict__ out, Strides out_st, const From* __restrict__ in, Strides in_st, Shape sh, i64 n) {
  for (u32 i = (u32)global_thread(); i < (u32)n; i += (u32)grid_threads()) {
    i64 oo, oi;
    offset2(sh, i, out_st, in_st, oo, oi);
    out[oo] = Convert<To, From>::apply(in[oi]);
  }
}

}  // namespace ember
