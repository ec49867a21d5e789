// ember_random.cu: counter-based random numbers (Philox4x32-10, Salmon et
// al. 2011, as in Random123), reproducible on any grid and device.
//
// Definition (the CPU generator in internal/philox must match it):
//   - key = (k0, k1) = (low 32 bits of seed, high 32 bits of seed);
//   - block j of a call uses the 128-bit counter offset + j, as four
//     little-endian 32-bit words (c0 = lowest); offset counts blocks, so a
//     call of n elements consumes ceil(n/4) counters and the next call's
//     offset is offset + ceil(n/4);
//   - the 10 rounds map the counter to words x0..x3; element 4j+k of the
//     output uses word xk;
//   - uniform float: u = (x >> 8) * 2^-24, in [0, 1) (24 random bits, also
//     for double outputs);
//   - normal: Box-Muller on the word pairs (x0, x1) and (x2, x3):
//     u1 = ((xa >> 8) + 1) * 2^-24 in (0, 1], u2 = (xb >> 8) * 2^-24,
//     r = sqrt(-2 ln u1), z_a = r cos(2 pi u2), z_b = r sin(2 pi u2), in
//     float arithmetic;
//   - bernoulli(p): 1 if u < p; dropout(p): keep if u < 1 - p, kept values
//     scaled by 1/(1-p).
// Uniform, bernoulli and dropout are bit-exact across devices; normal uses
// logf/cosf/sinf, whose last bits may differ from the CPU's.
//
// T is float, double, ember::bf16 or ember::f16; outputs are contiguous.
//   ember::rand_uniform<T>(T* out, i64 n, u64 seed, u64 offset, double low,
//       double high)                 out = low + (high - low) * u
//   ember::rand_normal<T>(T* out, i64 n, u64 seed, u64 offset, double mean,
//       double std)                  out = mean + std * z
//   ember::rand_bernoulli<T>(T* out, i64 n, u64 seed, u64 offset, double p)
//   ember::dropout<T>(T* out, ember::boolean* mask_opt, const T* in, i64 n,
//       u64 seed, u64 offset, double p)
// One thread per counter (4 elements), grid-stride.
#include "ember_common.cuh"

namespace ember {

// philox4x32_10 replaces the counter c with its random image under key.
__device__ __forceinline__ void philox4x32_10(u32 c[4], u32 k0, u32 k1) {
#pragma unroll
  for (int r = 0; r < 10; ++r) {
    if (r > 0) {
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    const u32 hi0 = __umulhi(0xD2511F53u, c[0]), lo0 = 0xD2511F53u * c[0];
    const u32 hi1 = __umulhi(0xCD9E8D57u, c[2]), lo1 = 0xCD9E8D57u * c[2];
    const u32 n0 = hi1 ^ c[1] ^ k0, n2 = hi0 ^ c[3] ^ k1;
    c[0] = n0;
    c[1] = lo1;
    c[2] = n2;
    c[3] = lo0;
  }
}

// philox_block computes the four words of block j.
__device__ __forceinline__ void philox_block(u64 seed, u64 offset, i64 j, u32 x[4]) {
  const u64 lo = offset + (u64)j;
  x[0] = (u32)lo;
  x[1] = (u32)(lo >> 32);
  x[2] = lo < offset ? 1u : 0u;  // carry into the upper 64 bits
  x[3] = 0u;
  philox4x32_10(x, (u32)seed, (u32)(seed >> 32));
}

__device__ __forceinline__ float uniform01(u32 x) { return (float)(x >> 8) * (1.0f / 16777216.0f); }

template <class T>
__global__ void rand_uniform(T* __restrict__ out, i64 n, u64 seed, u64 offset, double low, double high) {
  typedef typename Acc<T>::type A;
  const A lo = (A)low, span = (A)(high - low);
  const i64 blocks = (n + 3) / 4;
  for (i64 j = global_thread(); j < blocks; j += grid_threads()) {
    u32 x[4];
    philox_block(seed, offset, j, x);
#pragma unroll
    for (int k = 0; k < 4; ++k)
      if (4 * j + k < n) out[4 * j + k] = from_acc<T>(lo + span * (A)uniform01(x[k]));
  }
}

template <class T>
__global__ void rand_normal(T* __restrict__ out, i64 n, u64 seed, u64 offset, double mean, double std) {
  typedef typename Acc<T>::type A;
  const A mu = (A)mean, sigma = (A)std;
  const i64 blocks = (n + 3) / 4;
  for (i64 j = global_thread(); j < blocks; j += grid_threads()) {
    u32 x[4];
    philox_block(seed, offset, j, x);
    float z[4];
#pragma unroll
    for (int k = 0; k < 4; k += 2) {
      const float u1 = (float)((x[k] >> 8) + 1u) * (1.0f / 16777216.0f);
      const float u2 = uniform01(x[k + 1]);
      const float r = sqrtf(-2.0f * logf(u1)), t = 6.2831853071795864769f * u2;
      z[k] = r * cosf(t);
      z[k + 1] = r * sinf(t);
    }
#pragma unroll
    for (int k = 0; k < 4; ++k)
      if (4 * j + k < n) out[4 * j + k] = from_acc<T>(mu + sigma * (A)z[k]);
  }
}

template <class T>
__global__ void rand_bernoulli(T* __restrict__ out, i64 n, u64 seed, u64 offset, double p) {
  typedef typename Acc<T>::type A;
  const i64 blocks = (n + 3) / 4;
  for (i64 j = global_thread(); j < blocks; j += grid_threads()) {
    u32 x[4];
    philox_block(seed, offset, j, x);
#pragma unroll
    for (int k = 0; k < 4; ++k)
      if (4 * j + k < n) out[4 * j + k] = from_acc<T>((double)uniform01(x[k]) < p ? A(1) : A(0));
  }
}

template <class T>
__global__ void dropout(T* __restrict__ out, boolean* __restrict__ mask_opt, const T* __restrict__ in, i64 n, u64 seed,
                        u64 offset, double p) {
  typedef typename Acc<T>::type A;
  const double keep = 1.0 - p;
  const A scale = keep > 0.0 ? (A)(1.0 / keep) : A(0);
  const i64 blocks = (n + 3) / 4;
  for (i64 j = global_thread(); j < blocks; j += grid_threads()) {
    u32 x[4];
    philox_block(seed, offset, j, x);
#pragma unroll
    for (int k = 0; k < 4; ++k) {
      const i64 i = 4 * j + k;
      if (i < n) {
        const bool kept = (double)uniform01(x[k]) < keep;
        out[i] = from_acc<T>(kept ? to_acc(in[i]) * scale : A(0));
        if (mask_opt) mask_opt[i].v = kept ? 1 : 0;
      }
    }
  }
}

}  // namespace ember
