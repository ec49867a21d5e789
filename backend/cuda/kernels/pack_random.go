package kernels

import (
	"fmt"
	"math"

	"github.com/emberdl/ember/backend/cuda/driver"
)

// The random kernels reproduce package internal/philox bit for bit. To
// match the CPU backend's Random(dst, dist, seed, offset, a, b):
//
//	dst contiguous float32, Uniform/Normal:  Uniform / Normal on float32
//	dst contiguous float64, Uniform/Normal:  Uniform64 / Normal64 on float64
//	Bernoulli, any dtype:                     Bernoulli on dst's dtype
//	RandInt, any dtype:                       RandInt on dst's dtype
//	any other dtype or a strided dst:         Uniform64 / Normal64 on dst's
//	                                          dtype (into a contiguous
//	                                          buffer, then a strided copy)
//
// The CPU runs bfloat16 and float16 through float32 at the ember level
// (SupportsMath is false there), that is Uniform / Normal on float32 and
// a cast; the 32-bit kernels' bfloat16 and float16 outputs give exactly
// that in one launch.

// Counters returns how many Philox counters a 32-bit-transform kernel
// (Uniform, Normal, Bernoulli, Dropout) of n outputs consumes: the next
// call's offset is offset + Counters(n).
func Counters(n int64) uint64 { return uint64((n + 3) / 4) }

// Counters64 is Counters for the 64-bit transforms (Uniform64, Normal64,
// RandInt): two outputs per counter.
func Counters64(n int64) uint64 { return uint64((n + 1) / 2) }

// RandomCounters returns the counters a kernel of kind consumes for n
// outputs.
func RandomCounters(kind RandomKind, n int64) uint64 {
	switch kind {
	case Uniform64, Normal64, RandInt:
		return Counters64(n)
	}
	return Counters(n)
}

// RandomLaunch sizes a random kernel's launch: one thread per counter.
func RandomLaunch(kind RandomKind, n int64, maxBlocks int) Launch {
	return ElementwiseLaunch(int64(RandomCounters(kind, n)), maxBlocks)
}

func randomCount(n int64) error {
	if n < 0 {
		return fmt.Errorf("kernels: random fill of %d elements", n)
	}
	return nil
}

// PackUniform packs ember::rand_uniform32 (kind Uniform: the bounds are
// rounded to float32 first, as the CPU's float32 fill does) or
// ember::rand_uniform64 (kind Uniform64) for n values in [lo, hi), which
// must be finite with lo <= hi (and hi - lo finite).
func PackUniform(a *driver.Args, kind RandomKind, out driver.DevicePtr, n int64, seed, offset uint64, lo, hi float64) error {
	if err := randomCount(n); err != nil {
		return err
	}
	var width, top float64
	switch kind {
	case Uniform:
		lo32, hi32 := float32(lo), float32(hi)
		if err := checkUniform(float64(lo32), float64(hi32)); err != nil {
			return err
		}
		lo, width = float64(lo32), float64(hi32)-float64(lo32)
		top = float64(max(lo32, math.Nextafter32(hi32, float32(math.Inf(-1)))))
	case Uniform64:
		if err := checkUniform(lo, hi); err != nil {
			return err
		}
		width = hi - lo
		if math.IsInf(width, 0) {
			return fmt.Errorf("kernels: uniform range [%v, %v) is wider than the largest float64", lo, hi)
		}
		top = max(lo, math.Nextafter(hi, math.Inf(-1)))
	default:
		return fmt.Errorf("kernels: PackUniform for %q", kind)
	}
	a.Reset().Ptr(out).I64(n).U64(seed).U64(offset).F64(lo).F64(width).F64(top)
	return a.Err()
}

func checkUniform(lo, hi float64) error {
	if !(lo <= hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return fmt.Errorf("kernels: uniform range [%v, %v) must be finite with lo <= hi", lo, hi)
	}
	return nil
}

// PackNormal packs ember::rand_normal32 (kind Normal: mean and std are
// rounded to float32, as the CPU's float32 fill does) or
// ember::rand_normal64 (kind Normal64).
func PackNormal(a *driver.Args, kind RandomKind, out driver.DevicePtr, n int64, seed, offset uint64, mean, std float64) error {
	if err := randomCount(n); err != nil {
		return err
	}
	switch kind {
	case Normal:
		mean, std = float64(float32(mean)), float64(float32(std))
	case Normal64:
	default:
		return fmt.Errorf("kernels: PackNormal for %q", kind)
	}
	a.Reset().Ptr(out).I64(n).U64(seed).U64(offset).F64(mean).F64(std)
	return a.Err()
}

// BernoulliThreshold is philox.BernoulliThreshold: ceil(p*2^24) clamped to
// [0, 2^24]; a word x is a success when x>>8 is below it.
func BernoulliThreshold(p float64) (uint32, error) {
	switch {
	case p != p:
		return 0, fmt.Errorf("kernels: Bernoulli probability is NaN")
	case p <= 0:
		return 0, nil
	case p >= 1:
		return 1 << 24, nil
	}
	return uint32(math.Ceil(p * 0x1p24)), nil
}

// PackBernoulli packs ember::rand_bernoulli: n values, 1 with probability p.
func PackBernoulli(a *driver.Args, out driver.DevicePtr, n int64, seed, offset uint64, p float64) error {
	if err := randomCount(n); err != nil {
		return err
	}
	t, err := BernoulliThreshold(p)
	if err != nil {
		return err
	}
	a.Reset().Ptr(out).I64(n).U64(seed).U64(offset).U32(t)
	return a.Err()
}

// PackRandInt packs ember::rand_int: n integers uniform on [lo, hi)
// (philox Int64), converted to the output type.
func PackRandInt(a *driver.Args, out driver.DevicePtr, n int64, seed, offset uint64, lo, hi int64) error {
	if err := randomCount(n); err != nil {
		return err
	}
	if lo >= hi {
		return fmt.Errorf("kernels: integer range [%d, %d) is empty", lo, hi)
	}
	a.Reset().Ptr(out).I64(n).U64(seed).U64(offset).I64(lo).U64(uint64(hi) - uint64(lo))
	return a.Err()
}

// PackDropout packs ember::dropout: element i is kept (scaled by
// 1/(1-p)) when word i gives a Bernoulli(1-p) success; mask (bool) may be
// 0.
func PackDropout(a *driver.Args, out, mask, in driver.DevicePtr, n int64, seed, offset uint64, p float64) error {
	if !(p >= 0 && p <= 1) {
		return fmt.Errorf("kernels: dropout probability %v outside [0, 1]", p)
	}
	if err := randomCount(n); err != nil {
		return err
	}
	keep := 1 - p
	t, _ := BernoulliThreshold(keep)
	scale := 0.0
	if keep > 0 {
		scale = 1 / keep
	}
	a.Reset().Ptr(out).Ptr(mask).Ptr(in).I64(n).U64(seed).U64(offset).U32(t).F64(scale)
	return a.Err()
}
