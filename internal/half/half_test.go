package half

import (
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/emberdl/ember/internal/parallel"
)

// The golden files come from testdata/gen/make_golden.py (numpy and torch).

func readGz(t *testing.T, name string) []byte {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(z)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func u32s(b []byte) []uint32 {
	out := make([]uint32, len(b)/4)
	for i := range out {
		out[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return out
}

func u16s(b []byte) []uint16 {
	out := make([]uint16, len(b)/2)
	for i := range out {
		out[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return out
}

func isNaN32(b uint32) bool { return b&0x7fffffff > 0x7f800000 }

// checkWiden compares a widened float32 with a reference that may keep a
// signalling NaN signalling: NaNs must match up to the quiet bit, which ours
// always sets.
func checkWiden(t *testing.T, what string, in uint16, got float32, want uint32) {
	t.Helper()
	g := math.Float32bits(got)
	if isNaN32(want) {
		want |= 0x00400000
	}
	if g != want {
		t.Errorf("%s(%#04x) = %#08x, want %#08x", what, in, g, want)
	}
}

func TestF16ToF32AllPatterns(t *testing.T) {
	golden := u32s(readGz(t, "f16_to_f32.bin.gz"))
	if len(golden) != 1<<16 {
		t.Fatalf("golden has %d entries", len(golden))
	}
	all := make([]uint16, 1<<16)
	for i := range all {
		all[i] = uint16(i)
	}
	slice := make([]float32, len(all))
	if n := F16ToF32s(slice, all); n != len(all) {
		t.Fatalf("F16ToF32s converted %d", n)
	}
	for i, h := range all {
		got := F16ToF32(h)
		checkWiden(t, "F16ToF32", h, got, golden[i])
		if math.Float32bits(slice[i]) != math.Float32bits(got) {
			t.Errorf("F16ToF32s[%#04x] = %v, F16ToF32 = %v", h, slice[i], got)
		}
		// Independent formula for finite values.
		e, m := int(h>>10&0x1f), float64(h&0x3ff)
		var want float64
		switch {
		case e == 0x1f:
			continue
		case e == 0:
			want = math.Ldexp(m, -24)
		default:
			want = math.Ldexp(1024+m, e-25)
		}
		if h&0x8000 != 0 {
			want = -want
		}
		if float64(got) != want || math.Signbit(float64(got)) != (h&0x8000 != 0) {
			t.Errorf("F16ToF32(%#04x) = %v, want %v", h, got, want)
		}
	}
}

func TestBF16ToF32AllPatterns(t *testing.T) {
	golden := u32s(readGz(t, "bf16_to_f32.bin.gz"))
	if len(golden) != 1<<16 {
		t.Fatalf("golden has %d entries", len(golden))
	}
	src := make([]uint16, 1<<16)
	for i := range src {
		src[i] = uint16(i)
	}
	slice := make([]float32, len(src))
	BF16ToF32s(slice, src)
	for i, b := range src {
		got := BF16ToF32(b)
		checkWiden(t, "BF16ToF32", b, got, golden[i])
		if math.Float32bits(slice[i]) != math.Float32bits(got) {
			t.Errorf("BF16ToF32s[%#04x] = %v, BF16ToF32 = %v", b, slice[i], got)
		}
	}
}

// nanF16 and nanBF16 are the package's NaN rule: sign kept, quiet bit set,
// top payload bits kept.
func nanF16(x uint32) uint16  { return uint16(x>>16)&0x8000 | 0x7e00 | uint16(x>>13)&0x3ff }
func nanBF16(x uint32) uint16 { return uint16(x>>16) | 0x40 }

func TestNarrowGolden(t *testing.T) {
	b := readGz(t, "f32_narrow.bin.gz")
	n := int(binary.LittleEndian.Uint32(b))
	if len(b) != 4+8*n || n < 100_000 {
		t.Fatalf("golden size %d for %d values", len(b), n)
	}
	in := u32s(b[4 : 4+4*n])
	wantF16 := u16s(b[4+4*n : 4+6*n])
	wantBF16 := u16s(b[4+6*n:])
	src := make([]float32, n)
	for i, x := range in {
		src[i] = math.Float32frombits(x)
	}
	gotF16 := make([]uint16, n)
	gotBF16 := make([]uint16, n)
	F16FromF32s(gotF16, src)
	BF16FromF32s(gotBF16, src)
	nans := 0
	for i, x := range in {
		wf, wb := wantF16[i], wantBF16[i]
		if isNaN32(x) {
			nans++
			wf, wb = nanF16(x), nanBF16(x)
		}
		if g := F16FromF32(src[i]); g != wf || gotF16[i] != wf {
			t.Errorf("F16FromF32(%#08x = %g) = %#04x (slice %#04x), want %#04x", x, src[i], g, gotF16[i], wf)
		}
		if g := BF16FromF32(src[i]); g != wb || gotBF16[i] != wb {
			t.Errorf("BF16FromF32(%#08x = %g) = %#04x (slice %#04x), want %#04x", x, src[i], g, gotBF16[i], wb)
		}
	}
	if nans == 0 {
		t.Error("golden inputs hold no NaN")
	}
}

func TestNaNRules(t *testing.T) {
	cases := []struct {
		name      string
		got, want uint32
	}{
		{"F16FromF32(sNaN 0x7f800001)", uint32(F16FromF32(math.Float32frombits(0x7f800001))), 0x7e00},
		{"F16FromF32(-qNaN)", uint32(F16FromF32(math.Float32frombits(0xffc00000))), 0xfe00},
		{"F16FromF32(payload 0x7faaa000)", uint32(F16FromF32(math.Float32frombits(0x7faaa000))), 0x7f55},
		{"F16ToF32(sNaN 0x7c01)", math.Float32bits(F16ToF32(0x7c01)), 0x7fc02000},
		{"F16ToF32(-sNaN 0xfd55)", math.Float32bits(F16ToF32(0xfd55)), 0xffeaa000},
		{"BF16FromF32(sNaN 0x7f800001)", uint32(BF16FromF32(math.Float32frombits(0x7f800001))), 0x7fc0},
		{"BF16FromF32(-sNaN 0xff810000)", uint32(BF16FromF32(math.Float32frombits(0xff810000))), 0xffc1},
		{"BF16ToF32(sNaN 0x7f81)", math.Float32bits(BF16ToF32(0x7f81)), 0x7fc10000},
		{"BF16FromF32(max float32)", uint32(BF16FromF32(math.MaxFloat32)), 0x7f80},
		{"F16FromF32(65519.996)", uint32(F16FromF32(math.Float32frombits(0x477fefff))), 0x7bff},
		{"F16FromF32(65520)", uint32(F16FromF32(65520)), 0x7c00},
		{"F16FromF32(2^-25)", uint32(F16FromF32(0x1p-25)), 0},
		{"F16FromF32(-2^-25 next up)", uint32(F16FromF32(-math.Nextafter32(0x1p-25, 1))), 0x8001},
		{"F16FromF32(3·2^-25)", uint32(F16FromF32(3 * 0x1p-25)), 2},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s = %#x, want %#x", c.name, c.got, c.want)
		}
	}
}

// TestRoundTrip checks that narrowing the widened value gives the pattern
// back for every non-NaN pattern of both formats.
func TestRoundTrip(t *testing.T) {
	for i := range 1 << 16 {
		h := uint16(i)
		if h&0x7fff <= 0x7c00 {
			if got := F16FromF32(F16ToF32(h)); got != h {
				t.Errorf("float16 %#04x round-trips to %#04x", h, got)
			}
		}
		if h&0x7fff <= 0x7f80 {
			if got := BF16FromF32(BF16ToF32(h)); got != h {
				t.Errorf("bfloat16 %#04x round-trips to %#04x", h, got)
			}
		}
	}
}

// TestSlicesParallel checks the slice converters against the scalar ones on
// a slice long enough to be split, for several worker counts, and the copy
// semantics on unequal lengths.
func TestSlicesParallel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	const n = 200_003
	src32 := make([]float32, n)
	src16 := make([]uint16, n)
	for i := range src32 {
		src32[i] = math.Float32frombits(r.Uint32())
		src16[i] = uint16(r.Uint32())
	}
	defer parallel.SetWorkers(parallel.SetWorkers(1))
	for _, w := range []int{1, 2, 5} {
		parallel.SetWorkers(w)
		f16 := make([]uint16, n)
		bf16 := make([]uint16, n)
		a := make([]float32, n)
		b := make([]float32, n)
		F16FromF32s(f16, src32)
		BF16FromF32s(bf16, src32)
		F16ToF32s(a, src16)
		BF16ToF32s(b, src16)
		for i := range n {
			if f16[i] != F16FromF32(src32[i]) || bf16[i] != BF16FromF32(src32[i]) ||
				math.Float32bits(a[i]) != math.Float32bits(F16ToF32(src16[i])) ||
				math.Float32bits(b[i]) != math.Float32bits(BF16ToF32(src16[i])) {
				t.Fatalf("%d workers: element %d differs from the scalar conversion", w, i)
			}
		}
	}
	short := make([]uint16, 10)
	for i := range short {
		short[i] = 0xffff
	}
	if got := F16FromF32s(short[:7], src32); got != 7 || short[7] != 0xffff {
		t.Errorf("F16FromF32s into 7 of 10: converted %d, wrote past the end: %v", got, short[7] != 0xffff)
	}
	if got := F16ToF32s(make([]float32, 100), src16[:3]); got != 3 {
		t.Errorf("F16ToF32s from 3: converted %d", got)
	}
	if got := BF16ToF32s(nil, src16); got != 0 {
		t.Errorf("BF16ToF32s into nil: converted %d", got)
	}
}

func ExampleF16FromF32() {
	for _, f := range []float32{1, 0.1, 65504, 65520, 1e-8, float32(math.Inf(-1))} {
		h := F16FromF32(f)
		fmt.Printf("%-8g -> %#04x -> %g\n", f, h, F16ToF32(h))
	}
	b := BF16FromF32(0.1)
	fmt.Printf("bfloat16(0.1) = %#04x = %g\n", b, BF16ToF32(b))
	// Output:
	// 1        -> 0x3c00 -> 1
	// 0.1      -> 0x2e66 -> 0.099975586
	// 65504    -> 0x7bff -> 65504
	// 65520    -> 0x7c00 -> +Inf
	// 1e-08    -> 0x0000 -> 0
	// -Inf     -> 0xfc00 -> -Inf
	// bfloat16(0.1) = 0x3dcd = 0.100097656
}
