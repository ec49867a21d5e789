// ember_attention.cu: fused scaled dot-product attention, forward and
// backward, flash-attention style: the scores never reach global memory;
// the forward keeps a running maximum and sum per query row (online
// softmax) and saves only the row's log-sum-exp, from which the backward
// recomputes the probabilities. Arithmetic is fp32 (CUDA cores, no tensor
// cores: the emulator checks every line of it). T is float, ember::bf16 or
// ember::f16.
//
// Shapes: q [B, H, Tq, D], k [B, Hkv, Tk, D], v [B, Hkv, Tk, Dv], out and
// dout [B, H, Tq, Dv], H = Hkv * kv_group (kv_group > 1 is grouped-query
// attention: query head h reads key/value head h / kv_group). Every tensor
// has any strides for its first three dims and a contiguous last dim; D and
// Dv are at most EMBER_ATTN_DMAX (128). lse and delta are float [B, H, Tq],
// contiguous. The parameters other than pointers are one struct:
//
//   struct AttnParams {
//     i64 b, h, tq, tk, d, dv, kv_group;
//     i64 q_b, q_h, q_t, k_b, k_h, k_t, v_b, v_h, v_t, o_b, o_h, o_t;
//     i64 do_b, do_h, do_t, dq_b, dq_h, dq_t, dk_b, dk_h, dk_t, dv_b, dv_h,
//         dv_t;                    (o_*: out; do_*: dout; dk_*, dv_*: per kv head)
//     i64 m_b, m_h, m_q, m_k;      (mask strides over [B, H, Tq, Tk]; 0 broadcasts)
//     double scale;
//     i32 causal, mask_kind; }                                  (296 bytes)
//
// The score of query i and key j is s = scale * q_i . k_j, plus the mask:
// mask_kind 0: none; 1: a bool mask, false removes the key; 2: an additive
// mask of type T. causal removes the keys j > i (PyTorch's is_causal,
// aligned at the top left). A query row whose keys are all removed gets a
// zero output, lse = -Inf and zero gradients (PyTorch >= 2.5's behaviour).
//
//   ember::attn_fwd<T>(T* out, float* lse, const T* q, const T* k,
//       const T* v, const void* mask_opt, AttnParams p)
//     grid (ceil(Tq/16), B*H), block 256: each warp owns two query rows,
//     the block shares 32-key tiles of K and V in shared memory.
//   ember::attn_bwd_prep<T>(float* delta, const T* out, const T* dout,
//       AttnParams p)
//     delta = rowsum(dout * out); one warp per row, grid-stride.
//   ember::attn_bwd_dq<T>(T* dq, const T* q, const T* k, const T* v,
//       const T* dout, const float* lse, const float* delta,
//       const void* mask_opt, AttnParams p)
//     dq = scale * sum_j ds_ij k_j with ds = p * (dout.v - delta); grid
//     (ceil(Tq/8), B*H), block 256, a warp per query row.
//   ember::attn_bwd_dkdv<T>(T* dk, T* dv, const T* q, const T* k,
//       const T* v, const T* dout, const float* lse, const float* delta,
//       const void* mask_opt, AttnParams p)
//     dv = sum_i p_ij dout_i and dk = scale * sum_i ds_ij q_i over the
//     query heads of each key/value head; grid (ceil(Tk/8), B*Hkv),
//     block 256, a warp per key. Both gradients are written, not added;
//     no atomics, so the backward is deterministic.
#include "ember_common.cuh"

namespace ember {

#define EMBER_ATTN_DMAX 128
#define EMBER_ATTN_BC 32     // keys per tile (forward, dq)
#define EMBER_ATTN_WARPS 8   // warps per block
#define EMBER_ATTN_FWD_RPW 2 // query rows per warp in the forward

// score returns the masked, scaled score of query i and key j (head hi of
// batch bi) from the dot product, or -Inf for a removed key.
template <class T>
__device__ __forceinline__ float attn_score(const AttnParams& p, const void* mask, float dot, i64 bi, i64 hi, i64 i,
                                            i64 j) {
  if (j >= p.tk || i >= p.tq || (p.causal && j > i)) return -m_inf<float>();
  float s = dot * (float)p.scale;
  if (p.mask_kind != 0) {
    const i64 off = bi * p.m_b + hi * p.m_h + i * p.m_q + j * p.m_k;
    if (p.mask_kind == 1) {
      if (!((const u8*)mask)[off]) return -m_inf<float>();
    } else {
      s += to_acc(((const T*)mask)[off]);
    }
  }
  return s;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}
__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// load_rows copies rows [r0, r0+nr) of a slice with row stride st and n
// contiguous columns into shared-memory rows of `pitch` floats; rows at or
// past `limit` become zeros.
template <class T>
__device__ __forceinline__ void load_rows(float* smem, int pitch, const T* __restrict__ src, i64 st, i64 r0, int nr,
                                          i64 limit, int n) {
  for (int e = threadIdx.x; e < nr * n; e += blockDim.x) {
    const int r = e / n, c = e - r * n;
    smem[r * pitch + c] = r0 + r < limit ? to_acc(src[(r0 + r) * st + c]) : 0.0f;
  }
}

template <class T>
__global__ void attn_fwd(T* __restrict__ out, float* __restrict__ lse, const T* __restrict__ q,
                         const T* __restrict__ k, const T* __restrict__ v, const void* __restrict__ mask_opt,
                         AttnParams p) {
  const int BR = EMBER_ATTN_WARPS * EMBER_ATTN_FWD_RPW, BC = EMBER_ATTN_BC, DM = EMBER_ATTN_DMAX;
  __shared__ float sQ[EMBER_ATTN_WARPS * EMBER_ATTN_FWD_RPW][EMBER_ATTN_DMAX];
  __shared__ float sK[EMBER_ATTN_BC][EMBER_ATTN_DMAX + 1];
  __shared__ float sV[EMBER_ATTN_BC][EMBER_ATTN_DMAX];
  __shared__ float sP[EMBER_ATTN_WARPS][EMBER_ATTN_FWD_RPW][EMBER_ATTN_BC];
  const int lane = threadIdx.x & 31, w = threadIdx.x >> 5;
  const i64 bi = blockIdx.y / p.h, hi = blockIdx.y % p.h, hk = hi / p.kv_group;
  const i64 q0 = (i64)blockIdx.x * BR;
  const T* qb = q + bi * p.q_b + hi * p.q_h;
  const T* kb = k + bi * p.k_b + hk * p.k_h;
  const T* vb = v + bi * p.v_b + hk * p.v_h;
  load_rows(&sQ[0][0], DM, qb, p.q_t, q0, BR, p.tq, (int)p.d);

  float m[EMBER_ATTN_FWD_RPW], l[EMBER_ATTN_FWD_RPW], acc[EMBER_ATTN_FWD_RPW][DM / 32];
#pragma unroll
  for (int rr = 0; rr < EMBER_ATTN_FWD_RPW; ++rr) {
    m[rr] = -m_inf<float>();
    l[rr] = 0.0f;
#pragma unroll
    for (int t = 0; t < DM / 32; ++t) acc[rr][t] = 0.0f;
  }
  i64 kend = p.tk;
  if (p.causal) {
    const i64 last = (q0 + BR < p.tq ? q0 + BR : p.tq);  // one past the block's last query
    if (last < kend) kend = last;
  }
  for (i64 kt = 0; kt < kend; kt += BC) {
    __syncthreads();  // the previous tile's readers are done
    load_rows(&sK[0][0], DM + 1, kb, p.k_t, kt, BC, p.tk, (int)p.d);
    load_rows(&sV[0][0], DM, vb, p.v_t, kt, BC, p.tk, (int)p.dv);
    __syncthreads();
#pragma unroll
    for (int rr = 0; rr < EMBER_ATTN_FWD_RPW; ++rr) {
      const int r = w * EMBER_ATTN_FWD_RPW + rr;
      const i64 i = q0 + r;
      if (i >= p.tq) continue;  // uniform across the warp
      float dot = 0.0f;
      for (int c = 0; c < p.d; ++c) dot += sQ[r][c] * sK[lane][c];
      const float s = attn_score<T>(p, mask_opt, dot, bi, hi, i, kt + lane);
      const float mnew = fmaxf(m[rr], warp_max(s));
      float pr = 0.0f, corr = 1.0f;
      if (mnew != -m_inf<float>()) {
        pr = s == -m_inf<float>() ? 0.0f : m_exp(s - mnew);
        corr = m_exp(m[rr] - mnew);
      }
      l[rr] = l[rr] * corr + warp_sum(pr);
      m[rr] = mnew;
      sP[w][rr][lane] = pr;
      warp_sync();
#pragma unroll
      for (int t = 0; t < DM / 32; ++t) {
        const int d = lane + 32 * t;
        float a = acc[rr][t] * corr;
        if (d < p.dv)
          for (int jj = 0; jj < BC; ++jj) a += sP[w][rr][jj] * sV[jj][d];
        acc[rr][t] = a;
      }
      warp_sync();
    }
  }
#pragma unroll
  for (int rr = 0; rr < EMBER_ATTN_FWD_RPW; ++rr) {
    const i64 i = q0 + w * EMBER_ATTN_FWD_RPW + rr;
    if (i >= p.tq) continue;
    const float inv = l[rr] > 0.0f ? 1.0f / l[rr] : 0.0f;
    T* ob = out + bi * p.o_b + hi * p.o_h + i * p.o_t;
#pragma unroll
    for (int t = 0; t < DM / 32; ++t) {
      const int d = lane + 32 * t;
      if (d < p.dv) ob[d] = from_acc<T>(acc[rr][t] * inv);
    }
    if (lane == 0) lse[(bi * p.h + hi) * p.tq + i] = l[rr] > 0.0f ? m[rr] + m_log(l[rr]) : -m_inf<float>();
  }
}

template <class T>
__global__ void attn_bwd_prep(float* __restrict__ delta, const T* __restrict__ out, const T* __restrict__ dout,
                              AttnParams p) {
  const int lane = threadIdx.x & 31;
  const i64 rows = p.b * p.h * p.tq, warps = (i64)(blockDim.x >> 5) * gridDim.x;
  for (i64 r = (i64)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5); r < rows; r += warps) {
    const i64 i = r % p.tq, bh = r / p.tq, hi = bh % p.h, bi = bh / p.h;
    const T* o = out + bi * p.o_b + hi * p.o_h + i * p.o_t;
    const T* g = dout + bi * p.do_b + hi * p.do_h + i * p.do_t;
    float s = 0.0f;
    for (i64 d = lane; d < p.dv; d += 32) s += to_acc(o[d]) * to_acc(g[d]);
    s = warp_sum(s);
    if (lane == 0) delta[r] = s;
  }
}

template <class T>
__global__ void attn_bwd_dq(T* __restrict__ dq, const T* __restrict__ q, const T* __restrict__ k,
                            const T* __restrict__ v, const T* __restrict__ dout, const float* __restrict__ lse,
                            const float* __restrict__ delta, const void* __restrict__ mask_opt, AttnParams p) {
  const int BR = EMBER_ATTN_WARPS, BC = EMBER_ATTN_BC, DM = EMBER_ATTN_DMAX;
  __shared__ float sQ[EMBER_ATTN_WARPS][EMBER_ATTN_DMAX];
  __shared__ float sG[EMBER_ATTN_WARPS][EMBER_ATTN_DMAX];
  __shared__ float sK[EMBER_ATTN_BC][EMBER_ATTN_DMAX + 1];
  __shared__ float sV[EMBER_ATTN_BC][EMBER_ATTN_DMAX + 1];
  __shared__ float sP[EMBER_ATTN_WARPS][EMBER_ATTN_BC];
  const int lane = threadIdx.x & 31, w = threadIdx.x >> 5;
  const i64 bi = blockIdx.y / p.h, hi = blockIdx.y % p.h, hk = hi / p.kv_group;
  const i64 q0 = (i64)blockIdx.x * BR, i = q0 + w;
  const T* kb = k + bi * p.k_b + hk * p.k_h;
  const T* vb = v + bi * p.v_b + hk * p.v_h;
  load_rows(&sQ[0][0], DM, q + bi * p.q_b + hi * p.q_h, p.q_t, q0, BR, p.tq, (int)p.d);
  load_rows(&sG[0][0], DM, dout + bi * p.do_b + hi * p.do_h, p.do_t, q0, BR, p.tq, (int)p.dv);
  const i64 row = (bi * p.h + hi) * p.tq + i;
  const float L = i < p.tq ? lse[row] : 0.0f, D = i < p.tq ? delta[row] : 0.0f;
  float acc[DM / 32];
#pragma unroll
  for (int t = 0; t < DM / 32; ++t) acc[t] = 0.0f;
  i64 kend = p.tk;
  if (p.causal) {
    const i64 last = (q0 + BR < p.tq ? q0 + BR : p.tq);
    if (last < kend) kend = last;
  }
  for (i64 kt = 0; kt < kend; kt += BC) {
    __syncthreads();
    load_rows(&sK[0][0], DM + 1, kb, p.k_t, kt, BC, p.tk, (int)p.d);
    load_rows(&sV[0][0], DM + 1, vb, p.v_t, kt, BC, p.tk, (int)p.dv);
    __syncthreads();
    if (i >= p.tq) continue;  // uniform across the warp; the barriers above stay matched
    float dot = 0.0f, dp = 0.0f;
    for (int c = 0; c < p.d; ++c) dot += sQ[w][c] * sK[lane][c];
    for (int c = 0; c < p.dv; ++c) dp += sG[w][c] * sV[lane][c];
    const float s = attn_score<T>(p, mask_opt, dot, bi, hi, i, kt + lane);
    const float pr = s == -m_inf<float>() ? 0.0f : m_exp(s - L);
    sP[w][lane] = pr * (dp - D);
    warp_sync();
#pragma unroll
    for (int t = 0; t < DM / 32; ++t) {
      const int d = lane + 32 * t;
      if (d < p.d)
        for (int jj = 0; jj < BC; ++jj) acc[t] += sP[w][jj] * sK[jj][d];
    }
    warp_sync();
  }
  if (i < p.tq) {
    T* o = dq + bi * p.dq_b + hi * p.dq_h + i * p.dq_t;
#pragma unroll
    for (int t = 0; t < DM / 32; ++t) {
      const int d = lane + 32 * t;
      if (d < p.d) o[d] = from_acc<T>(acc[t] * (float)p.scale);
    }
  }
}

template <class T>
__global__ void attn_bwd_dkdv(T* __restrict__ dk, T* __restrict__ dv, const T* __restrict__ q,
                              const T* __restrict__ k, const T* __restrict__ v, const T* __restrict__ dout,
                              const float* __restrict__ lse, const float* __restrict__ delta,
                              const void* __restrict__ mask_opt, AttnParams p) {
  const int BQ = 32, DM = EMBER_ATTN_DMAX;
  __shared__ float sQ[32][EMBER_ATTN_DMAX + 1];
  __shared__ float sG[32][EMBER_ATTN_DMAX + 1];
  __shared__ float sK[EMBER_ATTN_WARPS][EMBER_ATTN_DMAX];
  __shared__ float sV[EMBER_ATTN_WARPS][EMBER_ATTN_DMAX];
  __shared__ float sL[32], sD[32];
  __shared__ float sP[EMBER_ATTN_WARPS][2][32];
  const int lane = threadIdx.x & 31, w = threadIdx.x >> 5;
  const i64 hkv = p.h / p.kv_group;
  const i64 bi = blockIdx.y / hkv, hk = blockIdx.y % hkv;
  const i64 j0 = (i64)blockIdx.x * EMBER_ATTN_WARPS, j = j0 + w;
  load_rows(&sK[0][0], DM, k + bi * p.k_b + hk * p.k_h, p.k_t, j0, EMBER_ATTN_WARPS, p.tk, (int)p.d);
  load_rows(&sV[0][0], DM, v + bi * p.v_b + hk * p.v_h, p.v_t, j0, EMBER_ATTN_WARPS, p.tk, (int)p.dv);
  float gk[DM / 32], gv[DM / 32];
#pragma unroll
  for (int t = 0; t < DM / 32; ++t) gk[t] = gv[t] = 0.0f;
  for (i64 hi = hk * p.kv_group; hi < (hk + 1) * p.kv_group; ++hi) {
    const i64 rowbase = (bi * p.h + hi) * p.tq;
    for (i64 qt = p.causal ? j0 : 0; qt < p.tq; qt += BQ) {
      __syncthreads();  // the previous tile's readers are done (and sK/sV are loaded)
      load_rows(&sQ[0][0], DM + 1, q + bi * p.q_b + hi * p.q_h, p.q_t, qt, BQ, p.tq, (int)p.d);
      load_rows(&sG[0][0], DM + 1, dout + bi * p.do_b + hi * p.do_h, p.do_t, qt, BQ, p.tq, (int)p.dv);
      if (threadIdx.x < BQ) {
        const i64 i = qt + threadIdx.x;
        sL[threadIdx.x] = i < p.tq ? lse[rowbase + i] : 0.0f;
        sD[threadIdx.x] = i < p.tq ? delta[rowbase + i] : 0.0f;
      }
      __syncthreads();
      if (j >= p.tk) continue;  // uniform across the warp
      float dot = 0.0f, dp = 0.0f;
      for (int c = 0; c < p.d; ++c) dot += sQ[lane][c] * sK[w][c];
      for (int c = 0; c < p.dv; ++c) dp += sG[lane][c] * sV[w][c];
      const float s = attn_score<T>(p, mask_opt, dot, bi, hi, qt + lane, j);
      const float pr = s == -m_inf<float>() ? 0.0f : m_exp(s - sL[lane]);
      sP[w][0][lane] = pr;
      sP[w][1][lane] = pr * (dp - sD[lane]);
      warp_sync();
#pragma unroll
      for (int t = 0; t < DM / 32; ++t) {
        const int d = lane + 32 * t;
        if (d < p.dv)
          for (int r = 0; r < BQ; ++r) gv[t] += sP[w][0][r] * sG[r][d];
        if (d < p.d)
          for (int r = 0; r < BQ; ++r) gk[t] += sP[w][1][r] * sQ[r][d];
      }
      warp_sync();
    }
  }
  if (j < p.tk) {
    T* ok = dk + bi * p.dk_b + hk * p.dk_h + j * p.dk_t;
    T* ov = dv + bi * p.dv_b + hk * p.dv_h + j * p.dv_t;
#pragma unroll
    for (int t = 0; t < DM / 32; ++t) {
      const int d = lane + 32 * t;
      if (d < p.d) ok[d] = from_acc<T>(gk[t] * (float)p.scale);
      if (d < p.dv) ov[d] = from_acc<T>(gv[t]);
    }
  }
}

}  // namespace ember
