// ember_attention_tc.cu: the fused attention of ember_attention.cu on
// tensor cores, for bfloat16 and float16 inputs (FlashAttention-2's
// scheme). Each warp multiplies 16-row tiles with mma.sync m16n8k16
// (float32 accumulators); the scores stay in registers, the probabilities
// are rounded to T to feed the next product, as in FlashAttention. T is
// ember::bf16 or ember::f16, D the head dim (32, 64 or 128) of q, k and v
// alike (D == Dv). No mask but the causal one (mask_kind must be 0); every
// row stride and head offset is even, so pairs of elements load as 32 bits.
// Parameters and layouts are AttnParams' (ember_attention.cu); lse is the
// natural-log log-sum-exp, as the float32 kernels write it, so the passes of
// the two files can be mixed.
//
//   ember::attn_tc_fwd<T, D>(T* out, float* lse, const T* q, const T* k,
//       const T* v, AttnParams p)
//     grid (ceil(Tq/64), B*H), block 128: each warp owns 16 query rows and
//     walks the key tiles (64 keys, 32 for D = 128) held in shared memory.
//   ember::attn_tc_bwd_dq<T, D>(T* dq, const T* q, const T* k, const T* v,
//       const T* dout, const float* lse, const float* delta, AttnParams p)
//     grid (ceil(Tq/64), B*H), block 128; delta from attn_bwd_prep.
//   ember::attn_tc_bwd_dkdv<T, D>(T* dk, T* dv, const T* q, const T* k,
//       const T* v, const T* dout, const float* lse, const float* delta,
//       AttnParams p)
//     grid (ceil(Tk/64), B*Hkv), block 128: each warp owns 16 keys and
//     walks the query tiles of every query head of its key/value head.
//     Gradients are written, not added; no atomics (deterministic).
//
// Without __CUDA_ARCH__ (the CPU emulator) mma_tc computes the same tile
// product element by element from the fragment layouts of the PTX ISA;
// on a GPU it needs sm_80 or newer (the host checks).
#include "ember_common.cuh"

namespace ember {

#define EMBER_TC_THREADS 128  // 4 warps
#define EMBER_TC_ROWS 64      // query rows (fwd, dq) or keys (dkdv) per block
#define EMBER_LOG2E 1.4426950408889634f
#define EMBER_LN2 0.6931471805599453f

// EMBER_TC_BOUNDS caps a kernel's registers so that `blocks` blocks fit on
// an SM (the emulator has no such limit).
#ifdef __CUDA_ARCH__
#define EMBER_TC_BOUNDS(blocks) __launch_bounds__(EMBER_TC_THREADS, blocks)
#else
#define EMBER_TC_BOUNDS(blocks)
#endif

// tc_elem returns element half (0: the low 16 bits) of a pair of T.
template <class T> __device__ __forceinline__ float tc_elem(u32 x, int half);
template <> __device__ __forceinline__ float tc_elem<bf16>(u32 x, int half) {
  return bf16_to_f32((u16)(half ? x >> 16 : x));
}
template <> __device__ __forceinline__ float tc_elem<f16>(u32 x, int half) {
  return f16_to_f32((u16)(half ? x >> 16 : x));
}

// tc_pack rounds two floats to a pair of T, lo in the low 16 bits.
template <class T> __device__ __forceinline__ u32 tc_pack(float lo, float hi);
template <> __device__ __forceinline__ u32 tc_pack<bf16>(float lo, float hi) {
  return (u32)f32_to_bf16(lo) | ((u32)f32_to_bf16(hi) << 16);
}
template <> __device__ __forceinline__ u32 tc_pack<f16>(float lo, float hi) {
  return (u32)f32_to_f16(lo) | ((u32)f32_to_f16(hi) << 16);
}

// mma_tc: d += a·b for a 16×16 A (row-major fragment a), a 16×8 B
// (column fragment b) and a 16×8 float32 D, per PTX's m16n8k16 layouts:
// lane = 4·g + t holds A[g][2t..2t+1] (a[0]), A[g+8][2t..] (a[1]),
// A[g][2t+8..] (a[2]), A[g+8][2t+8..] (a[3]); B[2t..2t+1][g] (b[0]),
// B[2t+8..][g] (b[1]); D[g][2t..2t+1] (d[0], d[1]), D[g+8][2t..] (d[2], d[3]).
template <class T> __device__ __forceinline__ void mma_tc(float (&d)[4], const u32 (&a)[4], const u32 (&b)[2]);
#ifdef __CUDA_ARCH__
template <> __device__ __forceinline__ void mma_tc<bf16>(float (&d)[4], const u32 (&a)[4], const u32 (&b)[2]) {
#if __CUDA_ARCH__ >= 800
  asm("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#else
  __trap();
#endif
}
template <> __device__ __forceinline__ void mma_tc<f16>(float (&d)[4], const u32 (&a)[4], const u32 (&b)[2]) {
#if __CUDA_ARCH__ >= 800
  asm("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#else
  __trap();
#endif
}
#else
// The emulator: the lanes post their fragments, then each computes its four
// outputs from the posted tiles (two warp barriers per product).
template <class T> __device__ __forceinline__ void mma_tc(float (&d)[4], const u32 (&a)[4], const u32 (&b)[2]) {
  static u32 fa[32][32][4], fb[32][32][2];  // [warp][lane]
  const int lane = threadIdx.x & 31, w = (threadIdx.x >> 5) & 31, g = lane >> 2, t = lane & 3;
  for (int r = 0; r < 4; ++r) fa[w][lane][r] = a[r];
  fb[w][lane][0] = b[0];
  fb[w][lane][1] = b[1];
  warp_sync();
  for (int kk = 0; kk < 16; ++kk) {
    const int src = (kk & 7) >> 1, half = kk & 1, up = kk >> 3;
    const float x0 = tc_elem<T>(fa[w][g * 4 + src][2 * up], half);      // A[g][kk]
    const float x1 = tc_elem<T>(fa[w][g * 4 + src][2 * up + 1], half);  // A[g+8][kk]
    const float y0 = tc_elem<T>(fb[w][(2 * t) * 4 + src][up], half);    // B[kk][2t]
    const float y1 = tc_elem<T>(fb[w][(2 * t + 1) * 4 + src][up], half);
    d[0] += x0 * y0;
    d[1] += x0 * y1;
    d[2] += x1 * y0;
    d[3] += x1 * y1;
  }
  warp_sync();  // every lane has read before the next product posts
}
#endif

__device__ __forceinline__ int imin(int a, int b) { return a < b ? a : b; }

__device__ __forceinline__ u32 ld_pair(const u16* p) { return *reinterpret_cast<const u32*>(p); }

// load_a: the A fragment of rows [r0, r0+16) and columns [c0, c0+16) of a
// row-major matrix at base with row stride st; rows at or past limit read
// as zeros.
__device__ __forceinline__ void load_a(u32 (&a)[4], const u16* __restrict__ base, i64 st, i64 r0, i64 limit, int c0) {
  const int lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  const i64 ra = r0 + g, rb = r0 + g + 8;
  a[0] = ra < limit ? ld_pair(base + ra * st + c0 + 2 * t) : 0u;
  a[1] = rb < limit ? ld_pair(base + rb * st + c0 + 2 * t) : 0u;
  a[2] = ra < limit ? ld_pair(base + ra * st + c0 + 8 + 2 * t) : 0u;
  a[3] = rb < limit ? ld_pair(base + rb * st + c0 + 8 + 2 * t) : 0u;
}

// load_b: the B fragment of k rows [k0, k0+16) and n columns [n0, n0+8)
// from shared memory holding Bᵀ row-major (row n, column k, pitch elements
// per row).
__device__ __forceinline__ void load_b(u32 (&b)[2], const u16* s, int pitch, int n0, int k0) {
  const int lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  const u16* r = s + (n0 + g) * pitch + k0 + 2 * t;
  b[0] = *reinterpret_cast<const u32*>(r);
  b[1] = *reinterpret_cast<const u32*>(r + 8);
}

// load_b2: the B fragments of k rows [k0, k0+16) and the two n tiles
// [n0, n0+8) (b0) and [n0+8, n0+16) (b1) from shared memory holding Bᵀ
// row-major, as load_b twice: one ldmatrix on a GPU.
__device__ __forceinline__ void load_b2(u32 (&b0)[2], u32 (&b1)[2], const u16* s, int pitch, int n0, int k0) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  const int lane = threadIdx.x & 31, i = lane >> 3;
  const u16* row = s + (n0 + (i >> 1) * 8 + (lane & 7)) * pitch + k0 + (i & 1) * 8;
  u32 addr;
  asm("{ .reg .u64 a; cvta.to.shared.u64 a, %1; cvt.u32.u64 %0, a; }" : "=r"(addr) : "l"(row));
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];"
               : "=r"(b0[0]), "=r"(b0[1]), "=r"(b1[0]), "=r"(b1[1])
               : "r"(addr));
#else
  load_b(b0, s, pitch, n0, k0);
  load_b(b1, s, pitch, n0 + 8, k0);
#endif
}

// load_bt2: the B fragments of k rows [k0, k0+16) and the two n tiles
// [n0, n0+8) (b0) and [n0+8, n0+16) (b1) from shared memory holding B
// row-major (row k, column n): ldmatrix with transposition on a GPU.
__device__ __forceinline__ void load_bt2(u32 (&b0)[2], u32 (&b1)[2], const u16* s, int pitch, int k0, int n0) {
  const int lane = threadIdx.x & 31;
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  const int i = lane >> 3;  // the 8×8 matrix whose row this lane addresses
  const u16* row = s + (k0 + (i & 1) * 8 + (lane & 7)) * pitch + n0 + (i >> 1) * 8;
  u32 addr;
  asm("{ .reg .u64 a; cvta.to.shared.u64 a, %1; cvt.u32.u64 %0, a; }" : "=r"(addr) : "l"(row));
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];"
               : "=r"(b0[0]), "=r"(b0[1]), "=r"(b1[0]), "=r"(b1[1])
               : "r"(addr));
#elif defined(__CUDA_ARCH__)
  __trap();
#else
  const int g = lane >> 2, t = lane & 3;
  u32 r[4];
  for (int i = 0; i < 4; ++i) {
    const u16* m = s + (k0 + (i & 1) * 8 + 2 * t) * pitch + n0 + (i >> 1) * 8 + g;
    r[i] = (u32)m[0] | ((u32)m[pitch] << 16);
  }
  b0[0] = r[0];
  b0[1] = r[1];
  b1[0] = r[2];
  b1[1] = r[3];
#endif
}

// cp_async16 copies 16 bytes from global src to shared dst, or zeros when
// !valid: asynchronously on sm_80 and newer (cp.async, finished by
// cp_async_wait), at once elsewhere.
__device__ __forceinline__ void cp_async16(u16* dst, const u16* src, bool valid) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  u32 saddr;
  asm("{ .reg .u64 a; cvta.to.shared.u64 a, %1; cvt.u32.u64 %0, a; }" : "=r"(saddr) : "l"(dst));
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(saddr), "l"(src), "r"(valid ? 16 : 0));
#else
  Run<u32, 4> x;
  x.v[0] = x.v[1] = x.v[2] = x.v[3] = 0u;
  if (valid) x = *reinterpret_cast<const Run<u32, 4>*>(src);
  *reinterpret_cast<Run<u32, 4>*>(dst) = x;
#endif
}

// cp_async_commit closes a group of cp_async16 copies; cp_async_wait waits
// until every group but the last `pending` has landed (this thread's).
__device__ __forceinline__ void cp_async_commit() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile("cp.async.commit_group;");
#endif
}
template <int pending> __device__ __forceinline__ void cp_async_wait() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile("cp.async.wait_group %0;" ::"n"(pending));
#endif
}

// copy_tile copies rows [r0, r0+R) (D columns, row stride st) of a global
// matrix into shared rows of pitch elements (a multiple of 8), in 16-byte
// chunks; rows at or past limit become zeros. aligned says every chunk
// starts at a 16-byte boundary: the copies are then asynchronous (see
// cp_async16; the caller commits and waits); otherwise they load as pairs
// and store at once.
template <int R, int D>
__device__ __forceinline__ void copy_tile(u16* s, int pitch, const u16* __restrict__ src, i64 st, int r0, int limit,
                                          bool aligned) {
#pragma unroll
  for (int n = 0; n < R * D / 8 / EMBER_TC_THREADS; ++n) {
    const int e = threadIdx.x + n * EMBER_TC_THREADS, r = e / (D / 8), c = 8 * (e - r * (D / 8));
    const bool valid = r0 + r < limit;
    const u16* p = src + (valid ? (i64)(r0 + r) * st + c : 0);
    u16* d = s + r * pitch + c;
    if (aligned) {
      cp_async16(d, p, valid);
    } else {
      Run<u32, 4> x;
      x.v[0] = x.v[1] = x.v[2] = x.v[3] = 0u;
      if (valid) {
        x.v[0] = ld_pair(p);
        x.v[1] = ld_pair(p + 2);
        x.v[2] = ld_pair(p + 4);
        x.v[3] = ld_pair(p + 6);
      }
      *reinterpret_cast<Run<u32, 4>*>(d) = x;
    }
  }
}

// aligned16 reports whether rows of stride st elements from base start at
// 16-byte boundaries.
__device__ __forceinline__ bool aligned16(const u16* base, i64 st) { return ((u64)base % 16) == 0 && st % 8 == 0; }

// pack_a turns the float32 accumulators of two neighbouring 16×8 tiles
// (columns [16j, 16j+16) of a 16-row product) into the A fragment of the
// next product, rounded to T.
template <class T> __device__ __forceinline__ void pack_a(u32 (&a)[4], const float (&lo)[4], const float (&hi)[4]) {
  a[0] = tc_pack<T>(lo[0], lo[1]);
  a[1] = tc_pack<T>(lo[2], lo[3]);
  a[2] = tc_pack<T>(hi[0], hi[1]);
  a[3] = tc_pack<T>(hi[2], hi[3]);
}

__device__ __forceinline__ float quad_max(float v) {
  v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, 1));
  return fmaxf(v, __shfl_xor_sync(0xffffffffu, v, 2));
}
__device__ __forceinline__ float quad_sum(float v) {
  v += __shfl_xor_sync(0xffffffffu, v, 1);
  return v + __shfl_xor_sync(0xffffffffu, v, 2);
}

// store_rows writes the 16×D float32 accumulators acc (scaled by f) as
// rows r0 and r0+8 of the lane's group, below limit.
template <class T, int D>
__device__ __forceinline__ void store_rows(u16* __restrict__ base, i64 st, i64 r0, i64 limit, const float (&acc)[D / 8][4],
                                           float fa, float fb) {
  const int lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  const i64 ra = r0 + g, rb = r0 + g + 8;
#pragma unroll
  for (int dn = 0; dn < D / 8; ++dn) {
    if (ra < limit) *reinterpret_cast<u32*>(base + ra * st + dn * 8 + 2 * t) = tc_pack<T>(acc[dn][0] * fa, acc[dn][1] * fa);
    if (rb < limit) *reinterpret_cast<u32*>(base + rb * st + dn * 8 + 2 * t) = tc_pack<T>(acc[dn][2] * fb, acc[dn][3] * fb);
  }
}

// TCRows is what the forward and dq kernels take from their block: its
// (batch, head) and key/value head, the warp's 16 query rows from r0 (the
// lane's two rows ra and rb), kend (the keys the block's rows can see) and
// the key and value heads' storage.
struct TCRows {
  i64 bi, hi, hk;
  int t, tq, tk, q0, r0, ra, rb, kend;
  const u16 *kb, *vb;
  bool k16, v16;  // aligned16 of kb and vb
};

__device__ __forceinline__ TCRows tc_rows(const AttnParams& p, const void* k, const void* v) {
  TCRows r;
  const int lane = threadIdx.x & 31;
  r.t = lane & 3;
  r.bi = blockIdx.y / p.h;
  r.hi = blockIdx.y % p.h;
  r.hk = r.hi / p.kv_group;
  r.tq = (int)p.tq;
  r.tk = (int)p.tk;
  r.q0 = (int)blockIdx.x * EMBER_TC_ROWS;
  r.r0 = r.q0 + 16 * (int)(threadIdx.x >> 5);
  r.ra = r.r0 + (lane >> 2);
  r.rb = r.ra + 8;
  r.kend = p.causal ? imin(r.tk, imin(r.q0 + EMBER_TC_ROWS, r.tq)) : r.tk;
  r.kb = reinterpret_cast<const u16*>(k) + r.bi * p.k_b + r.hk * p.k_h;
  r.vb = reinterpret_cast<const u16*>(v) + r.bi * p.v_b + r.hk * p.v_h;
  r.k16 = aligned16(r.kb, p.k_t);
  r.v16 = aligned16(r.vb, p.v_t);
  return r;
}

// copy_kv starts the copies of the key and value tiles of BC keys from kt
// into the shared stages sK and sV, as one group.
template <int BC, int D>
__device__ __forceinline__ void copy_kv(u32* sK, u32* sV, const TCRows& r, const AttnParams& p, int kt) {
  copy_tile<BC, D>(reinterpret_cast<u16*>(sK), D + 8, r.kb, p.k_t, kt, r.tk, r.k16);
  copy_tile<BC, D>(reinterpret_cast<u16*>(sV), D + 8, r.vb, p.v_t, kt, r.tk, r.v16);
  cp_async_commit();
}

// two_products computes, for the warp's 16 rows, s = a·xᵀ and dp = a2·yᵀ
// where x and y are NT×8 rows of 16·KD elements in shared memory (pitch
// elements per row): the scores and the output gradient's products of the
// backward kernels.
template <class T, int NT, int KD>
__device__ __forceinline__ void two_products(float (&s)[NT][4], float (&dp)[NT][4], const u32 (&a)[KD][4], const u16* x,
                                             const u32 (&a2)[KD][4], const u16* y, int pitch) {
#pragma unroll
  for (int j = 0; j < NT; ++j) {
#pragma unroll
    for (int c = 0; c < 4; ++c) s[j][c] = dp[j][c] = 0.0f;
  }
#pragma unroll
  for (int kk = 0; kk < KD; ++kk) {
#pragma unroll
    for (int j = 0; j < NT; j += 2) {
      u32 b0[2], b1[2];
      load_b2(b0, b1, x, pitch, 8 * j, 16 * kk);
      mma_tc<T>(s[j], a[kk], b0);
      mma_tc<T>(s[j + 1], a[kk], b1);
      load_b2(b0, b1, y, pitch, 8 * j, 16 * kk);
      mma_tc<T>(dp[j], a2[kk], b0);
      mma_tc<T>(dp[j + 1], a2[kk], b1);
    }
  }
}

// add_product adds p·x to the warp's 16×D accumulators acc, where p is a
// 16×(8·NT) float32 product in registers (rounded to T here) and x holds
// 8·NT rows of D elements in shared memory (pitch elements per row).
template <class T, int NT, int ND>
__device__ __forceinline__ void add_product(float (&acc)[ND][4], const float (&p)[NT][4], const u16* x, int pitch) {
#pragma unroll
  for (int jj = 0; jj < NT / 2; ++jj) {
    u32 a[4];
    pack_a<T>(a, p[2 * jj], p[2 * jj + 1]);
#pragma unroll
    for (int dn = 0; dn < ND; dn += 2) {
      u32 b0[2], b1[2];
      load_bt2(b0, b1, x, pitch, 16 * jj, 8 * dn);
      mma_tc<T>(acc[dn], a, b0);
      mma_tc<T>(acc[dn + 1], a, b1);
    }
  }
}

// The kernels below keep two shared-memory stages of the tiles they walk:
// tile i+1 is copied (cp.async) into one while tile i is multiplied from the
// other, with one barrier per tile. Index
// arithmetic inside a tile is 32-bit (sequence lengths are below 2^31).

template <class T, int D>
__global__ void attn_tc_fwd(T* __restrict__ out, float* __restrict__ lse, const T* __restrict__ q,
                            const T* __restrict__ k, const T* __restrict__ v, AttnParams p) {
  enum { BC = D >= 128 ? 32 : 64, P = D + 8, NK = BC / 8, ND = D / 8, KD = D / 16 };
  __shared__ u32 sK_w[2][BC * P / 2];  // u32 words: 16-byte rows, aligned
  __shared__ u32 sV_w[2][BC * P / 2];
  const TCRows R = tc_rows(p, k, v);
  const i64 bi = R.bi, hi = R.hi;
  const int t = R.t, tq = R.tq, tkn = R.tk, r0 = R.r0, ra = R.ra, rb = R.rb, kend = R.kend;
  copy_kv<BC, D>(sK_w[0], sV_w[0], R, p, 0);
  u32 qa[KD][4];
#pragma unroll
  for (int kk = 0; kk < KD; ++kk)
    load_a(qa[kk], reinterpret_cast<const u16*>(q) + bi * p.q_b + hi * p.q_h, p.q_t, r0, tq, 16 * kk);
  const float sl2 = (float)p.scale * EMBER_LOG2E;  // scores in log2 units
  float m[2] = {-m_inf<float>(), -m_inf<float>()}, l[2] = {0.0f, 0.0f};
  float o[ND][4];
#pragma unroll
  for (int dn = 0; dn < ND; ++dn) o[dn][0] = o[dn][1] = o[dn][2] = o[dn][3] = 0.0f;
  int stage = 0;
  for (int kt = 0; kt < kend; kt += BC, stage ^= 1) {
    cp_async_wait<0>();  // this tile's copies (the only ones in flight) landed
    __syncthreads();     // ... for every thread, and the last tile's readers are done
    if (kt + BC < kend) copy_kv<BC, D>(sK_w[stage ^ 1], sV_w[stage ^ 1], R, p, kt + BC);  // flies meanwhile
    const u16* sK = reinterpret_cast<const u16*>(sK_w[stage]);
    const u16* sV = reinterpret_cast<const u16*>(sV_w[stage]);
    if (!(p.causal && kt > r0 + 15)) {  // else every key is after the warp's rows
      float s[NK][4];
#pragma unroll
      for (int j = 0; j < NK; ++j) s[j][0] = s[j][1] = s[j][2] = s[j][3] = 0.0f;
#pragma unroll
      for (int kk = 0; kk < KD; ++kk) {
#pragma unroll
        for (int j = 0; j < NK; j += 2) {
          u32 b0[2], b1[2];
          load_b2(b0, b1, sK, P, 8 * j, 16 * kk);
          mma_tc<T>(s[j], qa[kk], b0);
          mma_tc<T>(s[j + 1], qa[kk], b1);
        }
      }
      // Only a tile past the keys' end or crossing the diagonal is masked.
      const bool masked = kt + BC > tkn || (p.causal && kt + BC - 1 > r0);
      float mx[2] = {-m_inf<float>(), -m_inf<float>()};
#pragma unroll
      for (int j = 0; j < NK; ++j) {
#pragma unroll
        for (int c = 0; c < 4; ++c) {
          float x = s[j][c] * sl2;
          if (masked) {
            const int key = kt + 8 * j + 2 * t + (c & 1), row = c < 2 ? ra : rb;
            if (key >= tkn || (p.causal && key > row)) x = -m_inf<float>();
          }
          s[j][c] = x;
          mx[c >> 1] = fmaxf(mx[c >> 1], x);
        }
      }
      float corr[2];
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const float mnew = fmaxf(m[h], quad_max(mx[h]));
        corr[h] = mnew == -m_inf<float>() ? 1.0f : exp2f(m[h] - mnew);
        m[h] = mnew;
        l[h] *= corr[h];
      }
      const float m0 = m[0] == -m_inf<float>() ? 0.0f : m[0], m1 = m[1] == -m_inf<float>() ? 0.0f : m[1];
#pragma unroll
      for (int j = 0; j < NK; ++j) {
        s[j][0] = exp2f(s[j][0] - m0);  // a removed key (-Inf) gives 0
        s[j][1] = exp2f(s[j][1] - m0);
        s[j][2] = exp2f(s[j][2] - m1);
        s[j][3] = exp2f(s[j][3] - m1);
        l[0] += s[j][0] + s[j][1];  // the lane's share; summed over the quad at the end
        l[1] += s[j][2] + s[j][3];
      }
#pragma unroll
      for (int dn = 0; dn < ND; ++dn) {
        o[dn][0] *= corr[0];
        o[dn][1] *= corr[0];
        o[dn][2] *= corr[1];
        o[dn][3] *= corr[1];
      }
      add_product<T>(o, s, sV, P);  // o += p·v
    }
  }
  float inv[2];
#pragma unroll
  for (int h = 0; h < 2; ++h) {
    l[h] = quad_sum(l[h]);
    inv[h] = l[h] > 0.0f ? 1.0f / l[h] : 0.0f;
  }
  store_rows<T, D>(reinterpret_cast<u16*>(out) + bi * p.o_b + hi * p.o_h, p.o_t, r0, tq, o, inv[0], inv[1]);
  if (t == 0) {
    float* lb = lse + (bi * p.h + hi) * p.tq;
    if (ra < tq) lb[ra] = l[0] > 0.0f ? (m[0] + log2f(l[0])) * EMBER_LN2 : -m_inf<float>();
    if (rb < tq) lb[rb] = l[1] > 0.0f ? (m[1] + log2f(l[1])) * EMBER_LN2 : -m_inf<float>();
  }
}

template <class T, int D>
__global__ void EMBER_TC_BOUNDS(D >= 128 ? 2 : 3) attn_tc_bwd_dq(T* __restrict__ dq, const T* __restrict__ q, const T* __restrict__ k,
                               const T* __restrict__ v, const T* __restrict__ dout, const float* __restrict__ lse,
                               const float* __restrict__ delta, AttnParams p) {
  enum { BC = D >= 128 ? 32 : 64, P = D + 8, NK = BC / 8, ND = D / 8, KD = D / 16 };
  __shared__ u32 sK_w[2][BC * P / 2];
  __shared__ u32 sV_w[2][BC * P / 2];
  const TCRows R = tc_rows(p, k, v);
  const i64 bi = R.bi, hi = R.hi;
  const int t = R.t, tq = R.tq, tkn = R.tk, r0 = R.r0, ra = R.ra, rb = R.rb, kend = R.kend;
  copy_kv<BC, D>(sK_w[0], sV_w[0], R, p, 0);
  u32 qa[KD][4], ga[KD][4];
#pragma unroll
  for (int kk = 0; kk < KD; ++kk) {
    load_a(qa[kk], reinterpret_cast<const u16*>(q) + bi * p.q_b + hi * p.q_h, p.q_t, r0, tq, 16 * kk);
    load_a(ga[kk], reinterpret_cast<const u16*>(dout) + bi * p.do_b + hi * p.do_h, p.do_t, r0, tq, 16 * kk);
  }
  const i64 rows = (bi * p.h + hi) * p.tq;
  const float L[2] = {ra < tq ? lse[rows + ra] * EMBER_LOG2E : 0.0f, rb < tq ? lse[rows + rb] * EMBER_LOG2E : 0.0f};
  const float Dl[2] = {ra < tq ? delta[rows + ra] : 0.0f, rb < tq ? delta[rows + rb] : 0.0f};
  const float sl2 = (float)p.scale * EMBER_LOG2E;
  float acc[ND][4];
#pragma unroll
  for (int dn = 0; dn < ND; ++dn) acc[dn][0] = acc[dn][1] = acc[dn][2] = acc[dn][3] = 0.0f;
  int stage = 0;
  for (int kt = 0; kt < kend; kt += BC, stage ^= 1) {
    cp_async_wait<0>();
    __syncthreads();
    if (kt + BC < kend) copy_kv<BC, D>(sK_w[stage ^ 1], sV_w[stage ^ 1], R, p, kt + BC);
    const u16* sK = reinterpret_cast<const u16*>(sK_w[stage]);
    const u16* sV = reinterpret_cast<const u16*>(sV_w[stage]);
    if (!(p.causal && kt > r0 + 15)) {
      float s[NK][4], dp[NK][4];
      two_products<T>(s, dp, qa, sK, ga, sV, P);  // s = q·kᵀ, dp = dout·vᵀ
      const bool masked = kt + BC > tkn || (p.causal && kt + BC - 1 > r0);
#pragma unroll
      for (int j = 0; j < NK; ++j) {
#pragma unroll
        for (int c = 0; c < 4; ++c) {
          bool off = false;
          if (masked) {
            const int key = kt + 8 * j + 2 * t + (c & 1), row = c < 2 ? ra : rb;
            off = key >= tkn || (p.causal && key > row);
          }
          const float pr = off ? 0.0f : exp2f(s[j][c] * sl2 - L[c >> 1]);
          s[j][c] = pr * (dp[j][c] - Dl[c >> 1]);
        }
      }
      add_product<T>(acc, s, sK, P);  // dq += ds·k
    }
  }
  const float sc = (float)p.scale;
  store_rows<T, D>(reinterpret_cast<u16*>(dq) + bi * p.dq_b + hi * p.dq_h, p.dq_t, r0, tq, acc, sc, sc);
}

template <class T, int D>
__global__ void attn_tc_bwd_dkdv(T* __restrict__ dk, T* __restrict__ dv, const T* __restrict__ q,
                                 const T* __restrict__ k, const T* __restrict__ v, const T* __restrict__ dout,
                                 const float* __restrict__ lse, const float* __restrict__ delta, AttnParams p) {
  enum { BQ = D >= 128 ? 32 : 64, P = D + 8, NQ = BQ / 8, ND = D / 8, KD = D / 16 };
  __shared__ u32 sQ_w[2][BQ * P / 2];
  __shared__ u32 sG_w[2][BQ * P / 2];
  __shared__ float sL[2][BQ], sDl[2][BQ];
  const int lane = threadIdx.x & 31, w = threadIdx.x >> 5, t = lane & 3;
  const i64 hkv = p.h / p.kv_group;
  const i64 bi = blockIdx.y / hkv, hk = blockIdx.y % hkv;
  const int tq = (int)p.tq, tkn = (int)p.tk;
  const int j0 = (int)blockIdx.x * EMBER_TC_ROWS, r0 = j0 + 16 * w;
  const int ka_ = r0 + (lane >> 2), kb_ = ka_ + 8;  // the lane's two keys
  // The block walks (query head, query tile) pairs in order; the causal
  // mask skips the tiles before its first key.
  const int qstart = p.causal ? j0 / BQ * BQ : 0;
  const int ntiles = tq > qstart ? (tq - qstart + BQ - 1) / BQ : 0, steps = (int)p.kv_group * ntiles;
  const u16* qbase = reinterpret_cast<const u16*>(q) + bi * p.q_b;
  const u16* gbase = reinterpret_cast<const u16*>(dout) + bi * p.do_b;
  const bool qa16 = aligned16(qbase, p.q_t) && p.q_h % 8 == 0, ga16 = aligned16(gbase, p.do_t) && p.do_h % 8 == 0;
  // stage_tile copies step st's tiles (and their rows' lse and delta) into
  // stage sg.
  auto stage_tile = [&](int st, int sg) {
    const i64 h = hk * p.kv_group + st / ntiles, rows = (bi * p.h + h) * p.tq;
    const int qt = qstart + (st % ntiles) * BQ;
    copy_tile<BQ, D>(reinterpret_cast<u16*>(sQ_w[sg]), P, qbase + h * p.q_h, p.q_t, qt, tq, qa16);
    copy_tile<BQ, D>(reinterpret_cast<u16*>(sG_w[sg]), P, gbase + h * p.do_h, p.do_t, qt, tq, ga16);
    cp_async_commit();
    if (threadIdx.x < BQ) {
      const int i = qt + threadIdx.x;
      sL[sg][threadIdx.x] = i < tq ? lse[rows + i] * EMBER_LOG2E : 0.0f;
      sDl[sg][threadIdx.x] = i < tq ? delta[rows + i] : 0.0f;
    }
  };
  if (steps > 0) stage_tile(0, 0);
  u32 ka[KD][4], va[KD][4];
#pragma unroll
  for (int kk = 0; kk < KD; ++kk) {
    load_a(ka[kk], reinterpret_cast<const u16*>(k) + bi * p.k_b + hk * p.k_h, p.k_t, r0, tkn, 16 * kk);
    load_a(va[kk], reinterpret_cast<const u16*>(v) + bi * p.v_b + hk * p.v_h, p.v_t, r0, tkn, 16 * kk);
  }
  const float sl2 = (float)p.scale * EMBER_LOG2E;
  float gk[ND][4], gv[ND][4];
#pragma unroll
  for (int dn = 0; dn < ND; ++dn) {
#pragma unroll
    for (int c = 0; c < 4; ++c) gk[dn][c] = gv[dn][c] = 0.0f;
  }
  int stage = 0;
  for (int st = 0; st < steps; ++st, stage ^= 1) {
    const int qt = qstart + (st % ntiles) * BQ;
    cp_async_wait<0>();  // this step's copies landed
    __syncthreads();     // ... for every thread, and the last step's readers are done
    if (st + 1 < steps) stage_tile(st + 1, stage ^ 1);  // flies during this step's products
    const u16* sQ = reinterpret_cast<const u16*>(sQ_w[stage]);
    const u16* sG = reinterpret_cast<const u16*>(sG_w[stage]);
    if (!(p.causal && qt + BQ - 1 < r0)) {  // else every query is before the warp's keys
      float s[NQ][4], dp[NQ][4];
      two_products<T>(s, dp, ka, sQ, va, sG, P);  // sᵀ = k·qᵀ, dpᵀ = v·doutᵀ: [key][query]
      // Masked: a tile past the queries' end, the keys' end, or crossing
      // the diagonal (a query before one of the warp's keys).
      const bool masked = qt + BQ > tq || r0 + 16 > tkn || (p.causal && r0 + 15 > qt);
#pragma unroll
      for (int j = 0; j < NQ; ++j) {
#pragma unroll
        for (int c = 0; c < 4; ++c) {
          const int qi = 8 * j + 2 * t + (c & 1);
          bool off = false;
          if (masked) {
            const int query = qt + qi, key = c < 2 ? ka_ : kb_;
            off = query >= tq || key >= tkn || (p.causal && key > query);
          }
          const float pr = off ? 0.0f : exp2f(s[j][c] * sl2 - sL[stage][qi]);
          s[j][c] = pr;
          dp[j][c] = pr * (dp[j][c] - sDl[stage][qi]);
        }
      }
      add_product<T>(gv, s, sG, P);   // dv += pᵀ·dout
      add_product<T>(gk, dp, sQ, P);  // dk += dsᵀ·q
    }
  }
  store_rows<T, D>(reinterpret_cast<u16*>(dk) + bi * p.dk_b + hk * p.dk_h, p.dk_t, r0, tkn, gk, (float)p.scale,
                   (float)p.scale);
  store_rows<T, D>(reinterpret_cast<u16*>(dv) + bi * p.dv_b + hk * p.dv_h, p.dv_t, r0, tkn, gv, 1.0f, 1.0f);
}

}  // namespace ember
