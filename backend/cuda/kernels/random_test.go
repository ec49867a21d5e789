package kernels

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"testing"

	"github.com/emberdl/ember/backend/cuda/driver"
)

// philox is Philox4x32-10 written from the paper's definition.
func philox(ctr [4]uint32, key [2]uint32) [4]uint32 {
	for r := 0; r < 10; r++ {
		if r > 0 {
			key[0] += 0x9E3779B9
			key[1] += 0xBB67AE85
		}
		hi0, lo0 := bits.Mul32(0xD2511F53, ctr[0])
		hi1, lo1 := bits.Mul32(0xCD9E8D57, ctr[2])
		ctr = [4]uint32{hi1 ^ ctr[1] ^ key[0], lo1, hi0 ^ ctr[3] ^ key[1], lo0}
	}
	return ctr
}

// TestPhiloxKnownAnswers checks the reference against Random123's
// kat_vectors for philox4x32 with 10 rounds.
func TestPhiloxKnownAnswers(t *testing.T) {
	for _, tc := range []struct {
		ctr  [4]uint32
		key  [2]uint32
		want [4]uint32
	}{
		{[4]uint32{}, [2]uint32{}, [4]uint32{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
		{[4]uint32{^uint32(0), ^uint32(0), ^uint32(0), ^uint32(0)}, [2]uint32{^uint32(0), ^uint32(0)},
			[4]uint32{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
		{[4]uint32{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, [2]uint32{0xa4093822, 0x299f31d0},
			[4]uint32{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
	} {
		if got := philox(tc.ctr, tc.key); got != tc.want {
			t.Errorf("philox(%x, %x) = %x, want %x", tc.ctr, tc.key, got, tc.want)
		}
	}
}

// words returns the random words of the blocks covering elements [0, n) as
// the kernels define them: block j uses counter offset + j (128-bit), key =
// the seed's halves.
func words(seed, offset uint64, n int) []uint32 {
	out := make([]uint32, 0, n+3)
	for j := uint64(0); len(out) < n; j++ {
		lo, carry := bits.Add64(offset, j, 0)
		w := philox([4]uint32{uint32(lo), uint32(lo >> 32), uint32(carry), 0}, [2]uint32{uint32(seed), uint32(seed >> 32)})
		out = append(out, w[:]...)
	}
	return out
}

func uniform01(x uint32) float32 { return float32(x>>8) * (1.0 / 16777216) }

func TestRandomKernels(t *testing.T) {
	d := device(t)
	const n = 1001 // not a multiple of 4
	const seed = 0x0123456789abcdef
	a := driver.NewArgs()
	// The second offset makes the counters carry into their upper 64 bits.
	for _, offset := range []uint64{5, math.MaxUint64 - 100} {
		w := words(seed, offset, n)
		for _, dt := range FloatTypes {
			name := fmt.Sprintf("%v offset %d", dt, offset)
			l := ElementwiseLaunch(int64(Counters(n)), 2)

			// Standard uniform: exact in every type that holds 24 bits.
			out := d.alloc(n * dt.Size())
			d.launch(RandomKernel(Uniform, dt), l, a, PackRandom(a, out, n, seed, offset, 0, 1))
			want := make([]float64, n)
			for i := range want {
				want[i] = float64(uniform01(w[i]))
			}
			got := d.download(dt, out, n)
			for i, v := range roundTo(dt, want) {
				if got[i] != v {
					t.Fatalf("%s uniform[%d] = %v, want %v", name, i, got[i], v)
				}
			}
			// Scaled uniform.
			d.launch(RandomKernel(Uniform, dt), l, a, PackRandom(a, out, n, seed, offset, -2, 3))
			for i := range want {
				want[i] = -2 + 5*float64(uniform01(w[i]))
			}
			checkClose(t, name+" uniform(-2, 3)", dt, d.download(dt, out, n), roundTo(dt, want))

			// Normal by Box-Muller on word pairs.
			d.launch(RandomKernel(Normal, dt), l, a, PackRandom(a, out, n, seed, offset, 1, 2))
			for i := 0; i < n; i += 2 {
				u1 := float64(float32((w[i]>>8)+1) * (1.0 / 16777216))
				u2 := float64(uniform01(w[i+1]))
				r, th := math.Sqrt(-2*math.Log(u1)), 2*math.Pi*u2
				want[i] = 1 + 2*r*math.Cos(th)
				if i+1 < n {
					want[i+1] = 1 + 2*r*math.Sin(th)
				}
			}
			gotN := d.download(dt, out, n)
			tol := 2e-5
			if dt == BF16 || dt == F16 {
				tol = 2e-2
			}
			for i := range want {
				if math.Abs(gotN[i]-want[i]) > tol*(1+math.Abs(want[i])) {
					t.Fatalf("%s normal[%d] = %v, want %v", name, i, gotN[i], want[i])
				}
			}

			// Bernoulli(0.3), exact.
			d.launch(RandomKernel(Bernoulli, dt), l, a, PackBernoulli(a, out, n, seed, offset, 0.3))
			gotB := d.download(dt, out, n)
			for i := range gotB {
				if want := float64(uniform01(w[i])) < 0.3; (gotB[i] == 1) != want || (gotB[i] != 0 && gotB[i] != 1) {
					t.Fatalf("%s bernoulli[%d] = %v", name, i, gotB[i])
				}
			}

			// Dropout(0.25) with its mask.
			in, inv := d.upload(dt, randRange(rand.New(rand.NewPCG(offset, 13)), n, -1, 1))
			mask := d.alloc(n)
			d.launch(RandomKernel(Dropout, dt), l, a, PackDropout(a, out, mask, in, n, seed, offset, 0.25))
			gotD, gotM := d.download(dt, out, n), d.read(mask, n)
			for i := range want {
				keep := float64(uniform01(w[i])) < 0.75
				want[i] = 0
				if keep {
					want[i] = inv[i] / 0.75
				}
				if (gotM[i] == 1) != keep {
					t.Fatalf("%s dropout mask[%d] = %d, want %v", name, i, gotM[i], keep)
				}
			}
			checkClose(t, name+" dropout", dt, gotD, roundTo(dt, want))
		}
	}
}

func TestRandomStreamsContinue(t *testing.T) {
	// Two calls with offsets advanced by Counters give the same numbers as
	// one call over both ranges when the first range is a multiple of 4.
	d := device(t)
	a := driver.NewArgs()
	const seed = 42
	whole := d.alloc(40 * 4)
	d.launch(RandomKernel(Uniform, F32), ElementwiseLaunch(10, 1), a, PackRandom(a, whole, 40, seed, 0, 0, 1))
	part := d.alloc(28 * 4)
	d.launch(RandomKernel(Uniform, F32), ElementwiseLaunch(7, 1), a, PackRandom(a, part, 28, seed, Counters(12), 0, 1))
	w, p := d.download(F32, whole, 40), d.download(F32, part, 28)
	for i := range p {
		if p[i] != w[12+i] {
			t.Fatalf("element %d of the second call = %v, want %v", i, p[i], w[12+i])
		}
	}
	if err := PackDropout(a, 0, 0, 0, 1, 0, 0, 1.5); err == nil {
		t.Error("dropout p=1.5 accepted")
	}
}
