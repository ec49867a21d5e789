// ember_optim.cu: fused optimizer steps over contiguous parameter tensors.
// T is float, double, ember::bf16 or ember::f16; A is Acc<T>::type; state
// buffers are A (float for the 16-bit types). One thread per element,
// grid-stride. All hyperparameters are doubles, evaluated in A.
//
//   ember::adamw<T>(T* p, const T* g, A* m, A* v, i64 n, double lr,
//       double beta1, double beta2, double eps, double weight_decay,
//       double bias_correction1, double bias_correction2, double grad_scale)
//     PyTorch's AdamW: g' = g * grad_scale; m += (1-beta1)(g' - m);
//     v = beta2 v + (1-beta2) g'^2; p *= 1 - lr*weight_decay;
//     p -= (lr/bc1) * m / (sqrt(v)/sqrt(bc2) + eps), where bc1 = 1-beta1^t
//     and bc2 = 1-beta2^t come from the host. Plain Adam is weight_decay=0.
//
//   ember::sgd<T>(T* p, const T* g, A* buf_opt, i64 n, double lr,
//       double momentum, double dampening, double weight_decay,
//       int nesterov, int first_step, double grad_scale)
//     PyTorch's SGD: d = g*grad_scale + weight_decay*p; with momentum
//     (buf_opt not null) buf = first_step ? d : momentum*buf +
//     (1-dampening)*d and d = nesterov ? d + momentum*buf : buf; p -= lr*d.
//
//   ember::optim_step<T>(T* p, const T* g, T* s0, T* s1, T* s2, i64 n,
//       OptimParams h)
//     backend.OptimStep: one update of any backend.OptimKind, with the CPU
//     backend's formulas and order of operations (backend/cpu/optim.go),
//     computed in A with the scalar hyper-parameters (and the host's
//     expressions of them, in double) converted to A. The state buffers
//     have the parameter's type T; s0..s2 are the kind's state views in
//     backend.OptimKind's order (unused ones may be null). OptimParams:
//       struct OptimParams { double lr, beta1, beta2, eps, weight_decay,
//         momentum, dampening, alpha, step_size, bc2_sqrt;
//         i32 kind, maximize, nesterov, decoupled, amsgrad, centered, first,
//         pad; }                                               (112 bytes)
//     step_size is lr/(1-beta1^t) for Adam and lr/(1+(t-1)*lr_decay) for
//     Adagrad; bc2_sqrt is sqrt(1-beta2^t) (Adam).
//
//   ember::optim_step_multi<T>(OptimTable tab, OptimParams h)
//     optim_step on up to 36 parameters in one launch (PyTorch's
//     multi-tensor "foreach" step): a one-dimensional grid of
//     tab.start[tab.count] blocks, parameter t taking blocks [start[t],
//     start[t+1]) as its own grid-stride grid (tab.t[t].blocks of them).
//     Each parameter's step_size, bc2_sqrt and first replace h's; the
//     updates are those of optim_step, bit for bit.
//       struct OptimTensor { u64 p, g, s0, s1, s2; i64 n;
//         double step_size, bc2_sqrt; i32 first, blocks; }      (72 bytes)
//       struct OptimTable { OptimTensor t[36]; i32 start[37], count; }
//                                                               (2744 bytes)
#include "ember_common.cuh"

namespace ember {

template <class T>
__global__ void adamw(T* __restrict__ p, const T* __restrict__ g, typename Acc<T>::type* __restrict__ m,
                      typename Acc<T>::type* __restrict__ v, i64 n, double lr, double beta1, double beta2,
                      double eps, double weight_decay, double bias_correction1, double bias_correction2,
                      double grad_scale) {
  typedef typename Acc<T>::type A;
  const A b1 = (A)beta1, b2 = (A)beta2, e = (A)eps, gs = (A)grad_scale;
  const A decay = A(1) - (A)(lr * weight_decay), step = (A)(lr / bias_correction1);
  const A sqrt_bc2 = m_sqrt((A)bias_correction2);
  for (i64 i = global_thread(); i < n; i += grid_threads()) {
    const A gi = to_acc(g[i]) * gs;
    const A mi = m[i] + (A(1) - b1) * (gi - m[i]);
    const A vi = b2 * v[i] + (A(1) - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    const A pi = to_acc(p[i]) * decay - step * mi / (m_sqrt(vi) / sqrt_bc2 + e);
    p[i] = from_acc<T>(pi);
  }
}

template <class T>
__global__ void sgd(T* __restrict__ p, const T* __restrict__ g, typename Acc<T>::type* __restrict__ buf_opt, i64 n,
                    double lr, double momentum, double dampening, double weight_decay, int nesterov, int first_step,
                    double grad_scale) {
  typedef typename Acc<T>::type A;
  const A mu = (A)momentum, damp = A(1) - (A)dampening, wd = (A)weight_decay, gs = (A)grad_scale, rate = (A)lr;
  for (i64 i = global_thread(); i < n; i += grid_threads()) {
    const A pi = to_acc(p[i]);
    A d = to_acc(g[i]) * gs + wd * pi;
    if (buf_opt) {
      const A b = first_step ? d : mu * buf_opt[i] + damp * d;
      buf_opt[i] = b;
      d = nesterov ? d + mu * b : b;
    }
    p[i] = from_acc<T>(pi - rate * d);
  }
}

// Optimizer kinds (backend.OptimKind's order).
namespace okind {
enum : int { SGD = 0, Adam = 1, RMSprop = 2, Adagrad = 3, Lion = 4 };
}  // namespace okind

struct OptimParams {
  double lr, beta1, beta2, eps, weight_decay, momentum, dampening, alpha, step_size, bc2_sqrt;
  i32 kind, maximize, nesterov, decoupled, amsgrad, centered, first, pad;
};

template <class T>
__device__ __forceinline__ void sgd_step(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ buf, i64 n,
                                         const OptimParams& h, i64 i0, i64 stride) {
  typedef typename Acc<T>::type A;
  const A sg = h.maximize ? A(-1) : A(1), lr = (A)(-h.lr), wd = (A)h.weight_decay, mom = (A)h.momentum,
          damp = (A)(1.0 - h.dampening);
  const bool decay = h.weight_decay != 0.0, momentum = h.momentum != 0.0;
  for (i64 i = i0; i < n; i += stride) {
    const A pv = to_acc(p[i]);
    A d = sg * to_acc(g[i]);
    if (decay) d += wd * pv;
    if (momentum) {
      const A b = h.first ? d : to_acc(buf[i]) * mom + damp * d;
      buf[i] = from_acc<T>(b);
      d = h.nesterov ? d + mom * b : b;
    }
    p[i] = from_acc<T>(pv + lr * d);
  }
}

template <class T>
__device__ __forceinline__ void adam_step(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ m1,
                                          T* __restrict__ m2, T* __restrict__ mx, i64 n, const OptimParams& h,
                                          i64 i0, i64 stride) {
  typedef typename Acc<T>::type A;
  const A sg = h.maximize ? A(-1) : A(1), neg_step = (A)(-h.step_size), sbc2 = (A)h.bc2_sqrt, eps = (A)h.eps;
  const A b1 = (A)h.beta1, c1 = (A)(1.0 - h.beta1), b2 = (A)h.beta2, c2 = (A)(1.0 - h.beta2);
  const A wd = (A)h.weight_decay, decay = (A)(1.0 - h.lr * h.weight_decay);
  const bool l2 = h.weight_decay != 0.0 && !h.decoupled, decoupled = h.weight_decay != 0.0 && h.decoupled;
  for (i64 i = i0; i < n; i += stride) {
    A d = sg * to_acc(g[i]);
    A pv = to_acc(p[i]);
    if (decoupled) pv *= decay;
    if (l2) d += wd * pv;
    const A m = to_acc(m1[i]) * b1 + c1 * d;
    A v = to_acc(m2[i]) * b2 + c2 * d * d;
    m1[i] = from_acc<T>(m);
    m2[i] = from_acc<T>(v);
    if (h.amsgrad) {
      v = nan_max(to_acc(mx[i]), v);
      mx[i] = from_acc<T>(v);
    }
    const A den = m_sqrt(v) / sbc2 + eps;
    p[i] = from_acc<T>(pv + neg_step * m / den);
  }
}

template <class T>
__device__ __forceinline__ void rmsprop_step(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ sq,
                                             T* __restrict__ gavg, T* __restrict__ buf, i64 n, const OptimParams& h,
                                             i64 i0, i64 stride) {
  typedef typename Acc<T>::type A;
  const A sg = h.maximize ? A(-1) : A(1), lr = (A)h.lr, neg_lr = (A)(-h.lr), wd = (A)h.weight_decay, eps = (A)h.eps;
  const A alpha = (A)h.alpha, c = (A)(1.0 - h.alpha), mom = (A)h.momentum;
  const bool decay = h.weight_decay != 0.0, momentum = h.momentum > 0.0;
  for (i64 i = i0; i < n; i += stride) {
    A d = sg * to_acc(g[i]);
    const A pv = to_acc(p[i]);
    if (decay) d += wd * pv;
    const A s = to_acc(sq[i]) * alpha + c * d * d;
    sq[i] = from_acc<T>(s);
    A avg = s;
    if (h.centered) {
      const A ga = to_acc(gavg[i]) * alpha + c * d;
      gavg[i] = from_acc<T>(ga);
      avg = s - ga * ga;
    }
    const A den = m_sqrt(avg) + eps;
    if (momentum) {
      const A b = to_acc(buf[i]) * mom + d / den;
      buf[i] = from_acc<T>(b);
      p[i] = from_acc<T>(pv - lr * b);
    } else {
      p[i] = from_acc<T>(pv + neg_lr * d / den);
    }
  }
}

template <class T>
__device__ __forceinline__ void adagrad_step(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ sum, i64 n,
                                             const OptimParams& h, i64 i0, i64 stride) {
  typedef typename Acc<T>::type A;
  const A sg = h.maximize ? A(-1) : A(1), wd = (A)h.weight_decay, eps = (A)h.eps, neg_clr = (A)(-h.step_size);
  const bool decay = h.weight_decay != 0.0;
  for (i64 i = i0; i < n; i += stride) {
    A d = sg * to_acc(g[i]);
    const A pv = to_acc(p[i]);
    if (decay) d += wd * pv;
    const A s = to_acc(sum[i]) + d * d;
    sum[i] = from_acc<T>(s);
    p[i] = from_acc<T>(pv + neg_clr * d / (m_sqrt(s) + eps));
  }
}

template <class T>
__device__ __forceinline__ void lion_step(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ m, i64 n,
                                          const OptimParams& h, i64 i0, i64 stride) {
  typedef typename Acc<T>::type A;
  const A sg = h.maximize ? A(-1) : A(1), lr = (A)h.lr, decay = (A)(1.0 - h.lr * h.weight_decay);
  const A b1 = (A)h.beta1, c1 = (A)(1.0 - h.beta1), b2 = (A)h.beta2, c2 = (A)(1.0 - h.beta2);
  const bool decoupled = h.weight_decay != 0.0;
  for (i64 i = i0; i < n; i += stride) {
    const A d = sg * to_acc(g[i]);
    A pv = to_acc(p[i]);
    if (decoupled) pv *= decay;
    const A mv = to_acc(m[i]);
    const A c = mv * b1 + c1 * d;
    if (c > A(0))
      pv -= lr;
    else if (c < A(0))
      pv += lr;
    else if (c != c)
      pv = c;
    p[i] = from_acc<T>(pv);
    m[i] = from_acc<T>(mv * b2 + c2 * d);
  }
}

// optim_apply runs one update of kind h.kind over elements i0, i0+stride,
// ... of one parameter.
template <class T>
__device__ __forceinline__ void optim_apply(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ s0,
                                            T* __restrict__ s1, T* __restrict__ s2, i64 n, const OptimParams& h,
                                            i64 i0, i64 stride) {
  switch (h.kind) {
    case okind::SGD: sgd_step(p, g, s0, n, h, i0, stride); break;
    case okind::Adam: adam_step(p, g, s0, s1, s2, n, h, i0, stride); break;
    case okind::RMSprop:
      if (h.centered)
        rmsprop_step(p, g, s0, s1, s2, n, h, i0, stride);
      else
        rmsprop_step(p, g, s0, (T*)0, s1, n, h, i0, stride);
      break;
    case okind::Adagrad: adagrad_step(p, g, s0, n, h, i0, stride); break;
    case okind::Lion: lion_step(p, g, s0, n, h, i0, stride); break;
  }
}

template <class T>
__global__ void optim_step(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ s0, T* __restrict__ s1,
                           T* __restrict__ s2, i64 n, OptimParams h) {
  optim_apply(p, g, s0, s1, s2, n, h, global_thread(), grid_threads());
}

// OptimTensor is one parameter of optim_step_multi: its buffers, size and
// the per-parameter terms of its step (Adam's and Adagrad's step counts may
// differ between parameters, and each momentum buffer has its first step).
struct OptimTensor {
  u64 p, g, s0, s1, s2;
  i64 n;
  double step_size, bc2_sqrt;
  i32 first, blocks;
};

// OptimTable holds up to EMBER_OPTIM_TENSORS parameters of one
// optim_step_multi launch (passed by value: 3 KiB of the 4 KiB of kernel
// parameters); start[t] is parameter t's first block, start[count] the
// grid's size.
#define EMBER_OPTIM_TENSORS 36
struct OptimTable {
  OptimTensor t[EMBER_OPTIM_TENSORS];
  i32 start[EMBER_OPTIM_TENSORS + 1];
  i32 count;
};

template <class T>
__global__ void optim_step_multi(OptimTable tab, OptimParams h) {
  const i32 b = (i32)blockIdx.x;
  i32 t = 0;
  while (t + 1 < tab.count && tab.start[t + 1] <= b) t++;
  const OptimTensor& e = tab.t[t];
  OptimParams ht = h;
  ht.step_size = e.step_size;
  ht.bc2_sqrt = e.bc2_sqrt;
  ht.first = e.first;
  const i64 i0 = (i64)(b - tab.start[t]) * blockDim.x + threadIdx.x;
  optim_apply((T*)e.p, (const T*)e.g, (T*)e.s0, (T*)e.s1, (T*)e.s2, e.n, ht, i0, (i64)e.blocks * blockDim.x);
}

}  // namespace ember
