// Package philox is Ember's counter-based random number generator: the
// Philox4x32-10 bijection of Salmon et al., "Parallel random numbers: as easy
// as 1, 2, 3" (SC11, the Random123 library), plus exactly specified transforms
// from its 32-bit words to uniform, normal, bounded-integer and Bernoulli
// values.
//
// Every value depends only on (seed, offset, element index), never on how a
// fill was split across threads, so a CPU fill, a parallel CPU fill and a CUDA
// kernel that follows the rules below produce the same bits.
//
// # Words
//
// A seed gives the key: key[0] = low 32 bits of seed, key[1] = high 32 bits.
// Block j of a stream at offset o is Block(ctr, key) where ctr is the 128-bit
// little-endian counter o + j (ctr[0] is the lowest word; ctr[2] receives the
// carry of the 64-bit sum, ctr[3] is zero). Word w of the stream is word w%4
// of block w/4.
//
// # Transforms of 32-bit elements (four per block)
//
// Element i uses word i.
//
//   - Uint32: the word x itself.
//   - Uniform32 in [lo, hi): u = (x >> 8) · 2^-24, an exact float32 in [0, 1);
//     v = float32(fma(u, float64(hi) − float64(lo), float64(lo))) computed in
//     float64 with one fused multiply-add, then rounded to float32 (nearest
//     even). If v ≥ hi (rounding can reach hi) then v = max(lo, the largest
//     float32 below hi).
//   - Int32 in [lo, hi): n = hi − lo as uint32; v = lo + int32((uint64(x) · n) >> 32)
//     (Lemire's multiply-shift without rejection: each outcome's probability
//     is within n/2^32 of 1/n, relative).
//   - Bernoulli(p): t = ceil(p · 2^24) clamped to [0, 2^24]; the element is 1
//     when (x >> 8) < t, else 0. This equals Uniform32(0, 1) < p exactly.
//   - Normal32: elements 2k and 2k+1 form a Box–Muller pair from words
//     a = word 2k and b = word 2k+1 (always in the same block):
//     u1 = ((a >> 8) + 1) · 2^-24 in (0, 1], u2 = (b >> 8) · 2^-24 in [0, 1),
//     r = sqrt(−2 · Log(u1)), (s, c) = SinCos2Pi(u2), all in float64;
//     element 2k = float32(fma(std, r·c, mean)), element 2k+1 =
//     float32(fma(std, r·s, mean)) with mean and std widened to float64.
//
// # Transforms of 64-bit elements (two per block)
//
// Element i uses the 64-bit value X = uint64(word 2i) | uint64(word 2i+1) << 32
// (block i/2, words 0–1 or 2–3: a block read as two little-endian uint64).
//
//   - Uint64: X.
//   - Uniform64 in [lo, hi): u = (X >> 11) · 2^-53; v = fma(u, hi − lo, lo);
//     if v ≥ hi then v = max(lo, the largest float64 below hi).
//   - Int64 in [lo, hi): n = uint64(hi − lo); v = lo + int64(high 64 bits of
//     the 128-bit product X · n) (Lemire without rejection, bias ≤ n/2^64).
//   - Normal64: elements 2k and 2k+1 use block k: A = element 2k's X, B =
//     element 2k+1's X; u1 = ((A >> 11) + 1) · 2^-53, u2 = (B >> 11) · 2^-53,
//     r = sqrt(−2 · Log(u1)), (s, c) = SinCos2Pi(u2); element 2k =
//     fma(std, r·c, mean), element 2k+1 = fma(std, r·s, mean).
//
// # Portable elementary functions
//
// Go's math.Log and math.Sincos and CUDA's log and sincos may differ in the
// last bit, so the normal transforms use Log and SinCos2Pi, defined in this
// package with IEEE-754 double operations that every platform rounds the same
// way: +, −, ×, ÷, sqrt and fused multiply-add, each correctly rounded, no
// other fusion. A CUDA port compiles them with -fmad=false and calls fma()
// where this package calls math.FMA. See Log and SinCos2Pi for the exact
// algorithms and constants.
//
// Fills consume Blocks32(n) or Blocks64(n) counter values; a caller that
// draws again from the same seed advances its offset by that much.
package philox
