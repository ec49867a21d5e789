// ember_softmax.cu: softmax, log-softmax and cross-entropy over the last
// dim of a contiguous [rows, cols] tensor. One block per row (grid-stride
// over rows), blockDim.x a multiple of 32; statistics in Acc<T>::type.
// T is float, double, ember::bf16 or ember::f16; A below is Acc<T>::type.
//
//   ember::softmax_fwd<T, LOG>(T* out, const T* in, i64 rows, i64 cols)
//     LOG = false: out = softmax(in); LOG = true: out = log_softmax(in).
//   ember::softmax_bwd<T, LOG>(T* dx, const T* y, const T* dy, i64 rows,
//       i64 cols)
//     y is the forward output. softmax: dx = y * (dy - sum(dy * y));
//     log_softmax: dx = dy - exp(y) * sum(dy).
//
//   ember::softmax_causal_fwd<T, O>(O* out, const T* in, i64 rows,
//       i64 cols, i64 tq, double scale)
//     The causal attention weights of scores [rows/tq matrices of tq×cols]:
//     row r is row i = r % tq of its matrix; out[j] = softmax over j' <= i
//     of scale*in[j'] for j <= i, 0 beyond (softmax(masked_fill(scale*in,
//     j > i, -inf)) in one pass). O is T or float (the float32 weights of
//     autocast's softmax).
//   ember::cross_entropy_fwd<T>(A* loss, A* lse_opt, const T* logits,
//       const i64* target, i64 rows, i64 cols, i64 ignore_index,
//       double smoothing, int* err_opt)
//     One pass over the row, 16 bytes a load: each thread keeps a running
//     log-sum-exp (ce_take), merged over the block at the end.
//     loss[r] = (1-smoothing) * (lse - logits[r, t]) + smoothing *
//     (lse - mean(logits[r, :])), lse = logsumexp(logits[r, :]),
//     t = target[r]; 0 where t == ignore_index. lse_opt receives lse for the
//     backward pass. A target outside [0, cols) gives NaN and error code 1.
//   ember::cross_entropy_bwd<T>(T* dlogits, const T* logits,
//       const i64* target, const A* lse, const A* dloss_opt, i64 rows,
//       i64 cols, i64 ignore_index, double smoothing, double scale)
//     dlogits[r, j] = g * (exp(logits[r, j] - lse[r]) - (1-smoothing) *
//     [j == t] - smoothing / cols), g = scale * dloss_opt[r] (or scale when
//     dloss_opt is null); rows with t == ignore_index get zeros. 16 bytes a
//     load and a store where the two rows' 16-byte boundaries agree.
#include "ember_common.cuh"

namespace ember {

template <class T, bool LOG>
__global__ void softmax_fwd(T* __restrict__ out, const T* __restrict__ in, i64 rows, i64 cols) {
  typedef typename Acc<T>::type A;
  __shared__ A smem[32];
  for (i64 r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* x = in + r * cols;
    T* y = out + r * cols;
    A m = -m_inf<A>();
    for (i64 c = threadIdx.x; c < cols; c += blockDim.x) m = nan_max(m, to_acc(x[c]));
    m = block_reduce<MaxOp>(m, smem);
    A s = A(0);
    for (i64 c = threadIdx.x; c < cols; c += blockDim.x) s += m_exp(to_acc(x[c]) - m);
    s = block_reduce<SumOp>(s, smem);
    if (LOG) {
      // (x - m) - log s, not x - (m + log s): the latter loses the low bits
      // of x - m when |m| is large.
      const A ls = m_log(s);
      for (i64 c = threadIdx.x; c < cols; c += blockDim.x) y[c] = from_acc<T>((to_acc(x[c]) - m) - ls);
    } else {
      const A inv = A(1) / s;
      for (i64 c = threadIdx.x; c < cols; c += blockDim.x) y[c] = from_acc<T>(m_exp(to_acc(x[c]) - m) * inv);
    }
  }
}

template <class T, bool LOG>
__global__ void softmax_bwd(T* __restrict__ dx, const T* __restrict__ y, const T* __restrict__ dy, i64 rows, i64 cols) {
  typedef typename Acc<T>::type A;
  __shared__ A smem[32];
  for (i64 r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* yr = y + r * cols;
    const T* gr = dy + r * cols;
    T* dr = dx + r * cols;
    A s = A(0);
    for (i64 c = threadIdx.x; c < cols; c += blockDim.x) s += LOG ? to_acc(gr[c]) : to_acc(gr[c]) * to_acc(yr[c]);
    s = block_reduce<SumOp>(s, smem);
    for (i64 c = threadIdx.x; c < cols; c += blockDim.x) {
      const A yv = to_acc(yr[c]), gv = to_acc(gr[c]);
      dr[c] = from_acc<T>(LOG ? gv - m_exp(yv) * s : yv * (gv - s));
    }
  }
}

template <class T, class O>
__global__ void softmax_causal_fwd(O* __restrict__ out, const T* __restrict__ in, i64 rows, i64 cols, i64 tq,
                                   double scale) {
  typedef typename Acc<T>::type A;
  __shared__ A smem[32];
  const A sc = (A)scale;
  for (i64 r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* x = in + r * cols;
    O* y = out + r * cols;
    const i64 i = r % tq;
    const i64 n = i + 1 < cols ? i + 1 : cols;  // the keys j <= i
    A m = -m_inf<A>();
    for (i64 c = threadIdx.x; c < n; c += blockDim.x) m = nan_max(m, sc * to_acc(x[c]));
    m = block_reduce<MaxOp>(m, smem);
    A s = A(0);
    for (i64 c = threadIdx.x; c < n; c += blockDim.x) s += m_exp(sc * to_acc(x[c]) - m);
    s = block_reduce<SumOp>(s, smem);
    const A inv = A(1) / s;
    for (i64 c = threadIdx.x; c < cols; c += blockDim.x)
      y[c] = from_acc<O>(c < n ? m_exp(sc * to_acc(x[c]) - m) * inv : A(0));
  }
}

// ce_take adds logit v to a thread's running log-sum-exp state: the largest
// logit m seen and s = sum of exp(logit - m) (one exponential per logit; s
// is rescaled when m grows). NaN makes s NaN; -Inf adds nothing.
template <class A> __device__ __forceinline__ void ce_take(A v, A& m, A& s) {
  if (v > m) {
    s = s * m_exp(m - v) + A(1);
    m = v;
  } else if (!(v == -m_inf<A>())) {
    s += m_exp(v - m);
  }
}

// ce_merge folds another (m2, s2) state into (m, s).
template <class A> __device__ __forceinline__ void ce_merge(A& m, A& s, A m2, A s2) {
  const A mm = m2 > m ? m2 : m;
  const A a = s == A(0) ? A(0) : (m == mm ? s : s * m_exp(m - mm));
  const A b = s2 == A(0) ? A(0) : (m2 == mm ? s2 : s2 * m_exp(m2 - mm));
  m = mm;
  s = a + b;
}

// row_runs splits a row of n elements at x into a head before its first
// 16-byte boundary, whole runs of N, and a tail: head elements, then runs.
template <class T, int N> __device__ __forceinline__ void row_runs(const T* x, i64 n, i64& head, i64& runs) {
  head = (i64)(((16 - (u64)x % 16) % 16) / sizeof(T));
  if (head > n) head = n;
  runs = (n - head) / N;
}

template <class T>
__global__ void cross_entropy_fwd(typename Acc<T>::type* __restrict__ loss, typename Acc<T>::type* __restrict__ lse_opt,
                                  const T* __restrict__ logits, const i64* __restrict__ target, i64 rows, i64 cols,
                                  i64 ignore_index, double smoothing, int* err_opt) {
  typedef typename Acc<T>::type A;
  enum { N = RunWidth<sizeof(T)>::n };
  __shared__ A sm[32], ss[32], st[32];
  const A eps = (A)smoothing;
  const int lane = threadIdx.x & 31, w = threadIdx.x >> 5, nw = (blockDim.x + 31) >> 5;
  for (i64 r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* x = logits + r * cols;
    // One pass: each thread's running log-sum-exp and sum, 16 bytes a load.
    A m = -m_inf<A>(), s = A(0), t = A(0);
    i64 head, runs;
    row_runs<T, N>(x, cols, head, runs);
    for (i64 c = threadIdx.x; c < head; c += blockDim.x) {
      const A v = to_acc(x[c]);
      t += v;
      ce_take(v, m, s);
    }
    const Run<T, N>* xr = reinterpret_cast<const Run<T, N>*>(x + head);
    for (i64 q = threadIdx.x; q < runs; q += blockDim.x) {
      const Run<T, N> u = xr[q];
#pragma unroll
      for (int j = 0; j < N; ++j) {
        const A v = to_acc(u.v[j]);
        t += v;
        ce_take(v, m, s);
      }
    }
    for (i64 c = head + runs * N + threadIdx.x; c < cols; c += blockDim.x) {
      const A v = to_acc(x[c]);
      t += v;
      ce_take(v, m, s);
    }
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
      const A m2 = __shfl_xor_sync(0xffffffffu, m, o), s2 = __shfl_xor_sync(0xffffffffu, s, o);
      ce_merge(m, s, m2, s2);
      t += __shfl_xor_sync(0xffffffffu, t, o);
    }
    __syncthreads();  // the previous row's readers are done
    if (lane == 0) {
      sm[w] = m;
      ss[w] = s;
      st[w] = t;
    }
    __syncthreads();
    if (threadIdx.x == 0) {
      for (int k = 1; k < nw; ++k) {
        ce_merge(m, s, sm[k], ss[k]);
        t += st[k];
      }
      const A lse = m + m_log(s);
      const i64 tg = target[r];
      A l;
      if (tg == ignore_index) {
        l = A(0);
      } else if (tg < 0 || tg >= cols) {
        l = m_nan<A>();
        report_error(err_opt, 1);
      } else {
        l = (A(1) - eps) * (lse - to_acc(x[tg]));
        if (smoothing != 0.0) l += eps * (lse - t / (A)cols);
      }
      loss[r] = l;
      if (lse_opt) lse_opt[r] = lse;
    }
  }
}

template <class T>
__global__ void cross_entropy_bwd(T* __restrict__ dlogits, const T* __restrict__ logits, const i64* __restrict__ target,
                                  const typename Acc<T>::type* __restrict__ lse,
                                  const typename Acc<T>::type* __restrict__ dloss_opt, i64 rows, i64 cols,
                                  i64 ignore_index, double smoothing, double scale) {
  typedef typename Acc<T>::type A;
  enum { N = RunWidth<sizeof(T)>::n };
  const A eps = (A)smoothing, uniform = (A)(smoothing / (double)cols);
  for (i64 r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* x = logits + r * cols;
    T* d = dlogits + r * cols;
    const i64 t = target[r];
    const bool skip = t == ignore_index || t < 0 || t >= cols;
    const A g = (A)scale * (dloss_opt ? dloss_opt[r] : A(1));
    const A l = lse[r];
    // The gradient of logit c, whose value is v.
    auto grad = [&](i64 c, A v) -> T {
      return from_acc<T>(skip ? A(0) : g * (m_exp(v - l) - (c == t ? A(1) - eps : A(0)) - uniform));
    };
    i64 head, runs;
    row_runs<T, N>(x, cols, head, runs);
    if ((u64)d % 16 != (u64)x % 16) runs = 0;  // the rows' boundaries differ: element by element
    for (i64 c = threadIdx.x; c < head; c += blockDim.x) d[c] = grad(c, to_acc(x[c]));
    const Run<T, N>* xr = reinterpret_cast<const Run<T, N>*>(x + head);
    Run<T, N>* dr = reinterpret_cast<Run<T, N>*>(d + head);
    for (i64 q = threadIdx.x; q < runs; q += blockDim.x) {
      const Run<T, N> u = xr[q];
      Run<T, N> y;
#pragma unroll
      for (int j = 0; j < N; ++j) y.v[j] = grad(head + q * N + j, to_acc(u.v[j]));
      dr[q] = y;
    }
    for (i64 c = head + runs * N + threadIdx.x; c < cols; c += blockDim.x) d[c] = grad(c, to_acc(x[c]));
  }
}

}  // namespace ember
