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

}  // namespace ember
