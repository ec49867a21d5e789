// ember_sort.cu: stable sort along one axis of a strided tensor, writing
// the sorted values and the i64 positions they came from. NaN sorts as the
// largest value (first when descending), -0.0 equals 0.0, and equal values
// keep their original order in both directions: the order is that of the
// pairs (key, original position), where key is the element mapped to an
// unsigned integer in value order (sort_key below; inverted for a
// descending sort). T is any element type; S the element size's unsigned
// type (ember::u8, u16, u32, u64). `rows` is the iteration space of the
// other dims; the *_st give each row's first element, *_axis_stride the
// step along the sorted axis, len its length.
//
// Rows of at most EMBER_SORT_TILE (4096) elements sort in one launch:
//
//   ember::sort_rows<T>(T* values, Strides val_st, i64 val_axis_stride,
//       i64* indices, Strides idx_st, i64 idx_axis_stride, const T* src,
//       Strides src_st, i64 src_axis_stride, Shape rows, i64 n_rows, i64 len,
//       int descending)
//     One block per row (grid-stride): the row's keys go to shared memory
//     and a bitonic network sorts them (blockDim.x a multiple of 32, at
//     most 1024; half the next power of two of len is a good size).
//
// Longer rows sort in tiles that are then merged in global memory through
// a workspace of two (key, position) buffers of n_rows*len entries each
// (u64 keys, u32 positions, so len < 2^32):
//
//   ember::sort_tiles<T>(u64* keys, u32* pos, const T* src, Strides src_st,
//       i64 src_axis_stride, Shape rows, i64 n_rows, i64 len,
//       int descending)
//     Sorts every tile of EMBER_SORT_TILE elements of every row (one block
//     per tile, grid-stride) into keys/pos at [row*len + position].
//   ember::sort_merge(u64* keys_out, u32* pos_out, const u64* keys_in,
//       const u32* pos_in, i64 n_rows, i64 len, i64 run)
//     Merges each pair of neighbouring sorted runs of `run` elements
//     (the last run of a row may be shorter) into runs of 2*run: an
//     element's place is its rank in its own run plus, by binary search,
//     the number of smaller pairs in the other run. One thread per
//     element. Launch with run = TILE, 2*TILE, ... while run < len,
//     swapping the buffers.
//   ember::sort_gather<S>(S* values, Strides val_st, i64 val_axis_stride,
//       i64* indices, Strides idx_st, i64 idx_axis_stride, const S* src,
//       Strides src_st, i64 src_axis_stride, const u32* pos, Shape rows,
//       i64 n_rows, i64 len)
//     values and indices from the sorted positions. One thread per
//     element.
#include "ember_common.cuh"

namespace ember {

#define EMBER_SORT_TILE 4096

// sort_key maps an element to a u64 in value order: NaN largest, -0 == 0.
__device__ __forceinline__ u64 sort_key(float x) {
  if (x != x) return ~0ULL;
  const u32 b = x == 0.0f ? 0u : __float_as_uint(x);
  return (b & 0x80000000u) ? (u64)(~b) : (u64)(b | 0x80000000u);
}
__device__ __forceinline__ u64 sort_key(double x) {
  if (x != x) return ~0ULL;
  const u64 b = x == 0.0 ? 0ULL : f64_bits(x);
  return (b & 0x8000000000000000ULL) ? ~b : (b | 0x8000000000000000ULL);
}
__device__ __forceinline__ u64 sort_key(bf16 x) { return sort_key(bf16_to_f32(x.bits)); }
__device__ __forceinline__ u64 sort_key(f16 x) { return sort_key(f16_to_f32(x.bits)); }
__device__ __forceinline__ u64 sort_key(i64 x) { return (u64)x ^ 0x8000000000000000ULL; }
__device__ __forceinline__ u64 sort_key(i32 x) { return (u64)((u32)x ^ 0x80000000u); }
__device__ __forceinline__ u64 sort_key(u8 x) { return x; }
__device__ __forceinline__ u64 sort_key(boolean x) { return x.v; }

// pair_less orders (key, position) pairs.
__device__ __forceinline__ bool pair_less(u64 ka, u32 ia, u64 kb, u32 ib) { return ka < kb || (ka == kb && ia < ib); }

// bitonic sorts the p (a power of two) pairs in shared memory; every thread
// of the block calls it.
__device__ __forceinline__ void bitonic(u64* key, u16* pos, int p) {
  for (int k = 2; k <= p; k <<= 1) {
    for (int j = k >> 1; j > 0; j >>= 1) {
      for (int i = threadIdx.x; i < p; i += blockDim.x) {
        const int o = i ^ j;
        if (o > i) {
          const u64 ka = key[i], kb = key[o];
          const u16 ia = pos[i], ib = pos[o];
          const bool ascending = (i & k) == 0;
          if (pair_less(kb, ib, ka, ia) == ascending) {
            key[i] = kb;
            key[o] = ka;
            pos[i] = ib;
            pos[o] = ia;
          }
        }
      }
      __syncthreads();
    }
  }
}

__device__ __forceinline__ int pow2_at_least(i64 n) {
  int p = 1;
  while (p < n) p <<= 1;
  return p;
}

// load_tile reads m <= TILE elements from src (step st) as keys, pads to a
// power of two with pairs that sort last, and sorts them. It returns p.
template <class T>
__device__ __forceinline__ int load_and_sort(u64* key, u16* pos, const T* __restrict__ src, i64 st, i64 m,
                                             int descending) {
  const int p = pow2_at_least(m);
  const u64 flip = descending ? ~0ULL : 0ULL;
  __syncthreads();  // the previous tile's readers are done
  for (int i = threadIdx.x; i < p; i += blockDim.x) {
    if (i < m) {
      key[i] = sort_key(src[i * st]) ^ flip;
      pos[i] = (u16)i;
    } else {
      key[i] = ~0ULL;
      pos[i] = 0xffffu;
    }
  }
  __syncthreads();
  bitonic(key, pos, p);
  return p;
}

template <class T>
__global__ void sort_rows(T* __restrict__ values, Strides val_st, i64 val_axis_stride, i64* __restrict__ indices,
                          Strides idx_st, i64 idx_axis_stride, const T* __restrict__ src, Strides src_st,
                          i64 src_axis_stride, Shape rows, i64 n_rows, i64 len, int descending) {
  __shared__ u64 key[EMBER_SORT_TILE];
  __shared__ u16 pos[EMBER_SORT_TILE];
  for (i64 r = blockIdx.x; r < n_rows; r += gridDim.x) {
    i64 ov, oi, os;
    offset3(rows, (u32)r, val_st, idx_st, src_st, ov, oi, os);
    load_and_sort(key, pos, src + os, src_axis_stride, len, descending);
    for (i64 j = threadIdx.x; j < len; j += blockDim.x) {
      const i64 p = pos[j];
      values[ov + j * val_axis_stride] = src[os + p * src_axis_stride];
      indices[oi + j * idx_axis_stride] = p;
    }
  }
}

template <class T>
__global__ void sort_tiles(u64* __restrict__ keys, u32* __restrict__ pos_out, const T* __restrict__ src, Strides src_st,
                           i64 src_axis_stride, Shape rows, i64 n_rows, i64 len, int descending) {
  __shared__ u64 key[EMBER_SORT_TILE];
  __shared__ u16 pos[EMBER_SORT_TILE];
  const i64 tiles = (len + EMBER_SORT_TILE - 1) / EMBER_SORT_TILE;
  for (i64 t = blockIdx.x; t < n_rows * tiles; t += gridDim.x) {
    const i64 r = t / tiles, c0 = (t - r * tiles) * EMBER_SORT_TILE;
    const i64 m = len - c0 < EMBER_SORT_TILE ? len - c0 : EMBER_SORT_TILE;
    const i64 os = offset1(rows, (u32)r, src_st);
    load_and_sort(key, pos, src + os + c0 * src_axis_stride, src_axis_stride, m, descending);
    for (i64 j = threadIdx.x; j < m; j += blockDim.x) {
      keys[r * len + c0 + j] = key[j];
      pos_out[r * len + c0 + j] = (u32)(c0 + pos[j]);
    }
  }
}

// rank_in counts the pairs of the sorted range [lo, hi) below (k, i).
__device__ __forceinline__ i64 rank_in(const u64* __restrict__ keys, const u32* __restrict__ pos, i64 lo, i64 hi, u64 k,
                                       u32 i) {
  const i64 first = lo;
  while (lo < hi) {
    const i64 mid = lo + (hi - lo) / 2;
    if (pair_less(keys[mid], pos[mid], k, i))
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo - first;
}

__global__ void sort_merge(u64* __restrict__ keys_out, u32* __restrict__ pos_out, const u64* __restrict__ keys_in,
                           const u32* __restrict__ pos_in, i64 n_rows, i64 len, i64 run) {
  const i64 n = n_rows * len;
  for (i64 e = global_thread(); e < n; e += grid_threads()) {
    const i64 r = e / len, p = e - r * len, row = r * len;
    const i64 q = p / run, base = (q & ~(i64)1) * run;
    const i64 mid = base + run < len ? base + run : len, end = base + 2 * run < len ? base + 2 * run : len;
    const u64 k = keys_in[row + p];
    const u32 i = pos_in[row + p];
    i64 dest;
    if ((q & 1) == 0)
      dest = p + rank_in(keys_in + row, pos_in + row, mid, end, k, i);
    else
      dest = base + (p - mid) + rank_in(keys_in + row, pos_in + row, base, mid, k, i);
    keys_out[row + dest] = k;
    pos_out[row + dest] = i;
  }
}

template <class S>
__global__ void sort_gather(S* __restrict__ values, Strides val_st, i64 val_axis_stride, i64* __restrict__ indices,
                            Strides idx_st, i64 idx_axis_stride, const S* __restrict__ src, Strides src_st,
                            i64 src_axis_stride, const u32* __restrict__ pos, Shape rows, i64 n_rows, i64 len) {
  const i64 n = n_rows * len;
  for (i64 e = global_thread(); e < n; e += grid_threads()) {
    const i64 r = e / len, j = e - r * len;
    i64 ov, oi, os;
    offset3(rows, (u32)r, val_st, idx_st, src_st, ov, oi, os);
    const i64 p = pos[e];
    values[ov + j * val_axis_stride] = src[os + p * src_axis_stride];
    indices[oi + j * idx_axis_stride] = p;
  }
}

}  // namespace ember
