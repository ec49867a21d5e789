//go:build amd64 && !purego

package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"testing"
	"unsafe"

	"github.com/emberdl/ember/internal/parallel"
	"github.com/emberdl/ember/internal/x86emu"
)

// avx512Case is one call of an AVX-512 column kernel: operand layouts,
// depth, tiles and scalars, for a tile nr columns wide.
type avx512Case struct {
	k, tiles    int
	aLayout     string // "packed" (rsa, csa = 1, 14), "rows" (rsa = lda, csa = 1), "cols" (rsa = 1, csa = lda)
	nr          int
	rsb, rsc    int
	alpha, beta float32
	bias        bool
	gapA        int // extra elements between the tiles' A panels
	name        string
}

func avx512Cases(nr int) []avx512Case {
	var cases []avx512Case
	for _, k := range []int{0, 1, 2, 7, 33} {
		for _, layout := range []string{"packed", "rows", "cols"} {
			for i, sc := range []struct {
				alpha, beta float32
				bias        bool
			}{{1, 0, false}, {-0.5, 1, false}, {2, 0.25, false}, {1, 0, true}, {0.5, 3, true}} {
				c := avx512Case{k: k, tiles: 1 + (k+i)%3, aLayout: layout, nr: nr, rsb: nr, rsc: nr,
					alpha: sc.alpha, beta: sc.beta, bias: sc.bias}
				if i%2 == 1 {
					c.rsb, c.rsc, c.gapA = nr+5, nr+3, 3 // B and C read in place from wider rows
				}
				c.name = fmt.Sprintf("k%d-%s-t%d-rsb%d-rsc%d-a%v-b%v-bias%v", k, layout, c.tiles, c.rsb, c.rsc, c.alpha, c.beta, c.bias)
				cases = append(cases, c)
			}
		}
	}
	return cases
}

// avx512Operands are the slices of one call: A, B, C (NaN-filled where the
// kernel must not read it) and the bias, laid out as the case says.
type avx512Operands[T float] struct {
	a, b, c, bias  []T
	rsa, csa, step int
}

func newAVX512Operands[T float](tc avx512Case, r *rand.Rand) avx512Operands[T] {
	const mr = mr14
	k := max(tc.k, 1) // room for at least one step, so the pointers are valid
	var o avx512Operands[T]
	switch tc.aLayout {
	case "packed":
		o.rsa, o.csa, o.step = 1, mr, mr*k+tc.gapA
	case "rows":
		lda := k + 3
		o.rsa, o.csa, o.step = lda, 1, mr*lda
	case "cols":
		lda := tc.tiles*mr + 5
		o.rsa, o.csa, o.step = 1, lda, mr
	}
	// Exactly the elements the kernel may read: the emulator fails any
	// access past them.
	o.a = randSlice[T]((tc.tiles-1)*o.step+(mr-1)*o.rsa+(k-1)*o.csa+1, r.Uint64())
	o.b = randSlice[T]((k-1)*tc.rsb+tc.nr, r.Uint64())
	o.c = make([]T, (tc.tiles*mr-1)*tc.rsc+tc.nr)
	for i := range o.c {
		o.c[i] = T(r.NormFloat64())
		if tc.beta == 0 || tc.bias {
			o.c[i] = T(math.NaN()) // must not be read
		}
	}
	if tc.bias {
		o.bias = randSlice[T](tc.nr, r.Uint64())
	}
	return o
}

// TestAVX512KernelEmulated runs the AVX-512 column kernels' machine code
// in an emulator (this machine may lack AVX-512: the emulator decodes the
// test binary's own code with objdump) and compares each call with the
// pure-Go kernel of the same 14-row tile: every depth, A packed or read in
// place either way, B and C read in place from wider rows, several tiles,
// alpha, beta 0 (C not read), other betas, and the bias; the emulator
// fails any access outside the operands. Where the CPU has AVX-512 the
// kernels also run natively and must agree with the emulation.
func TestAVX512KernelEmulated(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	const pkg = "github.com/emberdl/ember/backend/cpu/gemm."
	nativeS, nativeD := nativeAVX512Kernels()
	t.Run("float32", func(t *testing.T) {
		checkAVX512Emulated(t, exe, pkg+"sgemmColumnAVX512", &goKernelS14, nativeS, func(fr *x86emu.Frame, v float32) { fr.Float32(v) })
	})
	t.Run("float64", func(t *testing.T) {
		checkAVX512Emulated(t, exe, pkg+"dgemmColumnAVX512", &goKernelD14, nativeD, func(fr *x86emu.Frame, v float64) { fr.Float64(v) })
	})
}

func checkAVX512Emulated[T float](t *testing.T, exe, sym string, twin, native *kernel[T], scalar func(*x86emu.Frame, T)) {
	fn, err := x86emu.Load(exe, sym)
	if err != nil {
		t.Fatalf("loading the AVX-512 kernel's code: %v", err)
	}
	r := rand.New(rand.NewPCG(5, 12))
	for _, tc := range avx512Cases(twin.nr) {
		t.Run(tc.name, func(t *testing.T) {
			o := newAVX512Operands[T](tc, r)
			alpha, beta := T(tc.alpha), T(tc.beta)
			want := slices.Clone(o.c)
			var biasPtr *T
			if tc.bias {
				biasPtr = &o.bias[0]
			}
			twin.fnCol(tc.k, &o.a[0], o.rsa, o.csa, &o.b[0], tc.rsb, &want[0], tc.rsc, alpha, beta, tc.tiles, o.step, biasPtr)

			got := slices.Clone(o.c)
			var fr x86emu.Frame
			fr.Int(tc.k)
			fr.Ptr(unsafe.Pointer(&o.a[0]))
			fr.Int(o.rsa)
			fr.Int(o.csa)
			fr.Ptr(unsafe.Pointer(&o.b[0]))
			fr.Int(tc.rsb)
			fr.Ptr(unsafe.Pointer(&got[0]))
			fr.Int(tc.rsc)
			scalar(&fr, alpha)
			scalar(&fr, beta)
			fr.Int(tc.tiles)
			fr.Int(o.step)
			mem := []x86emu.Region{sliceRegion(o.a), sliceRegion(o.b), sliceRegion(got)}
			if tc.bias {
				fr.Ptr(unsafe.Pointer(&o.bias[0]))
				mem = append(mem, sliceRegion(o.bias))
			} else {
				fr.Ptr(nil)
			}
			if err := fn.Call(fr.Bytes(), 1<<22, mem...); err != nil {
				t.Fatalf("emulated kernel: %v", err)
			}
			runtime.KeepAlive(o)
			compareTiles(t, "emulated", got, want, tc)

			if native != nil {
				out := slices.Clone(o.c)
				native.fnCol(tc.k, &o.a[0], o.rsa, o.csa, &o.b[0], tc.rsb, &out[0], tc.rsc, alpha, beta, tc.tiles, o.step, biasPtr)
				compareTiles(t, "native", out, got, tc)
			}
		})
	}
}

// sliceRegion is the emulator's view of a slice.
func sliceRegion[T float](s []T) x86emu.Region {
	var z T
	return x86emu.Bytes(unsafe.Pointer(&s[0]), int(unsafe.Sizeof(z))*len(s))
}

// compareTiles checks C after a kernel call against the reference: the
// tiles' elements to rounding (the kernels order their sums alike but one
// fuses the multiply-adds), every other element bit for bit.
func compareTiles[T float](t *testing.T, what string, got, want []T, tc avx512Case) {
	t.Helper()
	var z T
	eps := 1e-5
	if unsafe.Sizeof(z) == 8 {
		eps = 1e-13
	}
	for i := range want {
		row, col := i/tc.rsc, i%tc.rsc
		if col >= tc.nr || row >= tc.tiles*mr14 {
			if math.Float64bits(float64(got[i])) != math.Float64bits(float64(want[i])) && !(got[i] != got[i] && want[i] != want[i]) {
				t.Fatalf("%s: element %d outside the tiles changed: %v, was %v", what, i, got[i], want[i])
			}
			continue
		}
		tol := eps * float64(max(tc.k, 1)) * (1 + math.Abs(float64(want[i])))
		if d := math.Abs(float64(got[i] - want[i])); !(d <= tol) {
			t.Fatalf("%s: C[%d][%d] = %v, want %v", what, row, col, got[i], want[i])
		}
	}
}

// emulatedKernel returns a kernel with ker's tile and blocking whose calls
// run the machine code of fn (ker's column kernel) in the emulator, each
// with exactly the memory the kernel contract lets a call touch: A's
// panels, B's panel, C's tiles and the bias. Errors are reported to t (the
// driver calls kernels from its workers) and leave C unwritten.
func emulatedKernel[T float](t *testing.T, fn *x86emu.Func, ker *kernel[T], scalar func(*x86emu.Frame, T)) *kernel[T] {
	var z T
	size := int(unsafe.Sizeof(z))
	col := func(k int, a *T, rsa, csa int, b *T, rsb int, c *T, rsc int, alpha, beta T, tiles, astep int, bias *T) {
		var fr x86emu.Frame
		fr.Int(k)
		fr.Ptr(unsafe.Pointer(a))
		fr.Int(rsa)
		fr.Int(csa)
		fr.Ptr(unsafe.Pointer(b))
		fr.Int(rsb)
		fr.Ptr(unsafe.Pointer(c))
		fr.Int(rsc)
		scalar(&fr, alpha)
		scalar(&fr, beta)
		fr.Int(tiles)
		fr.Int(astep)
		fr.Ptr(unsafe.Pointer(bias))
		mem := []x86emu.Region{x86emu.Bytes(unsafe.Pointer(c), size*((tiles*ker.mr-1)*rsc+ker.nr))}
		if k > 0 {
			mem = append(mem,
				x86emu.Bytes(unsafe.Pointer(a), size*((tiles-1)*astep+(ker.mr-1)*rsa+(k-1)*csa+1)),
				x86emu.Bytes(unsafe.Pointer(b), size*((k-1)*rsb+ker.nr)))
		}
		if bias != nil {
			mem = append(mem, x86emu.Bytes(unsafe.Pointer(bias), size*ker.nr))
		}
		if err := fn.Call(fr.Bytes(), 1<<30, mem...); err != nil {
			t.Errorf("emulated %s kernel, k=%d rsa=%d csa=%d rsb=%d rsc=%d tiles=%d astep=%d bias=%v: %v",
				ker.name, k, rsa, csa, rsb, rsc, tiles, astep, bias != nil, err)
		}
	}
	tile := func(k int, a *T, rsa, csa int, b *T, rsb int, c *T, rsc int, alpha, beta T) {
		col(k, a, rsa, csa, b, rsb, c, rsc, alpha, beta, 1, 0, nil)
	}
	emu := *ker
	emu.name += "-emulated"
	emu.fn, emu.fnCol, emu.fnPackA = tile, col, packThenRun(ker.mr, tile)
	return &emu
}

// TestAVX512DriverEmulated runs whole products through the driver with
// the AVX-512 kernels emulated (see emulatedKernel): the shapes that cross
// every block boundary and edge, all operand layouts of small products,
// the bias entry points and batches, on one and two workers, against the
// float64 reference. Together with TestAVX512KernelEmulated it checks the
// kernels in every way the driver calls them.
func TestAVX512DriverEmulated(t *testing.T) {
	// Emulated code runs ~10⁷ instructions a second (~10⁶ under the race
	// detector): products above large run once, in float32, on two
	// workers; under the race detector not at all.
	large := 2_000_000
	if raceEnabled {
		large = 100_000
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	const pkg = "github.com/emberdl/ember/backend/cpu/gemm."
	fs, err := x86emu.Load(exe, pkg+"sgemmColumnAVX512")
	if err != nil {
		t.Fatal(err)
	}
	fd, err := x86emu.Load(exe, pkg+"dgemmColumnAVX512")
	if err != nil {
		t.Fatal(err)
	}
	kc := kernelCase{"avx512-emulated",
		emulatedKernel(t, fs, &avx512KernelS, func(fr *x86emu.Frame, v float32) { fr.Float32(v) }),
		emulatedKernel(t, fd, &avx512KernelD, func(fr *x86emu.Frame, v float64) { fr.Float64(v) })}
	withKernels(t, kc, func(t *testing.T) {
		for _, workers := range []int{1, 2} {
			old := parallel.SetWorkers(workers)
			for i, s := range largerShapes {
				p := product{s[0], s[1], s[2], 1.5, 0, layoutKinds[i%4], layoutKinds[(i+1)%4], "row"}
				if i%3 == 1 {
					p.beta, p.lc = -1, "col"
				}
				if s[0]*s[1]*s[2] > large {
					if workers == 2 && !raceEnabled {
						if err := runProduct(Sgemm, p, 5); err != nil {
							t.Errorf("workers=%d Sgemm %v: %v", workers, p, err)
						}
					}
					continue
				}
				if err := runProduct(Sgemm, p, 5); err != nil {
					t.Errorf("workers=%d Sgemm %v: %v", workers, p, err)
				}
				if err := runProduct(Dgemm, p, 6); err != nil {
					t.Errorf("workers=%d Dgemm %v: %v", workers, p, err)
				}
				pb := p
				pb.beta, pb.lc = 0, "row"
				if err := runBiasProduct(SgemmBias, pb, 7); err != nil {
					t.Errorf("workers=%d SgemmBias %v: %v", workers, pb, err)
				}
				if err := runBiasProduct(DgemmBias, pb, 8); err != nil {
					t.Errorf("workers=%d DgemmBias %v: %v", workers, pb, err)
				}
			}
			parallel.SetWorkers(old)
		}
		for i, la := range layoutKinds {
			for j, lb := range layoutKinds {
				for _, lc := range layoutKinds {
					for _, m := range []int{1, 29} {
						p := product{m, 17 + i, 13 + 9*j, -0.5, 0.25, la, lb, lc}
						if err := runProduct(Sgemm, p, 9); err != nil {
							t.Errorf("Sgemm %v: %v", p, err)
						}
						if err := runProduct(Dgemm, p, 10); err != nil {
							t.Errorf("Dgemm %v: %v", p, err)
						}
					}
				}
			}
		}
	})
}
