package kernels

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"sync"
	"testing"

	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/backend/cuda/internal/emu"
)

// testMachine is where the kernel tests run their kernels: the emulator,
// or a real GPU (gpu_machine_test.go) when EMBER_KERNEL_TEST_DEVICE=cuda.
type testMachine interface {
	Alloc(n int) (driver.DevicePtr, error)
	Free(p driver.DevicePtr) error
	Write(p driver.DevicePtr, b []byte) error
	Read(p driver.DevicePtr, b []byte) error
	Launch(expr string, grid, block driver.Dim3, a *driver.Args) error
}

// emuMachine adapts the emulator to testMachine.
type emuMachine struct{ *emu.Machine }

func (m emuMachine) Launch(expr string, grid, block driver.Dim3, a *driver.Args) error {
	return m.Machine.Launch(expr, grid, block, a.Bytes())
}

// testDeviceEnv selects the machine of the kernel tests: unset (or "emu")
// for the CPU emulator, "cuda" for GPU 0 through libcuda with the prebuilt
// PTX.
const testDeviceEnv = "EMBER_KERNEL_TEST_DEVICE"

var (
	machineOnce sync.Once
	machine     testMachine
	machineErr  error
)

// device returns the machine the kernel tests run on, started once per
// test binary (the emulator is built with every catalog kernel and cached
// on disk across runs).
func device(t *testing.T) *dev {
	t.Helper()
	machineOnce.Do(func() {
		switch os.Getenv(testDeviceEnv) {
		case "", "emu":
			machine, machineErr = startEmulator()
		case "cuda":
			machine, machineErr = startGPU()
		default:
			machineErr = fmt.Errorf("%s=%q: want emu or cuda", testDeviceEnv, os.Getenv(testDeviceEnv))
		}
	})
	if machineErr != nil {
		t.Fatal(machineErr)
	}
	return &dev{m: machine, t: t}
}

func startEmulator() (testMachine, error) {
	files := map[string]string{HeaderName: Header()}
	var units []emu.Unit
	for _, u := range Catalog() {
		src, err := Source(u.File)
		if err != nil {
			return nil, err
		}
		files[u.File] = src
		units = append(units, emu.Unit{File: u.File, Exprs: u.Exprs})
	}
	bin, err := emu.Build(emu.Sources{Files: files, Units: units})
	if err != nil {
		return nil, err
	}
	m, err := emu.Start(bin)
	if err != nil {
		return nil, err
	}
	return emuMachine{m}, nil
}

// dev wraps the test machine with typed uploads and downloads.
type dev struct {
	m testMachine
	t *testing.T
}

func (d *dev) alloc(n int) driver.DevicePtr {
	d.t.Helper()
	p, err := d.m.Alloc(max(n, 1))
	if err != nil {
		d.t.Fatal(err)
	}
	d.t.Cleanup(func() { d.m.Free(p) })
	return p
}

func (d *dev) write(p driver.DevicePtr, b []byte) {
	d.t.Helper()
	if err := d.m.Write(p, b); err != nil {
		d.t.Fatal(err)
	}
}

func (d *dev) read(p driver.DevicePtr, n int) []byte {
	d.t.Helper()
	b := make([]byte, n)
	if err := d.m.Read(p, b); err != nil {
		d.t.Fatal(err)
	}
	return b
}

// upload stores vals as dt and returns the buffer and the values as dt
// holds them (rounded), which references must use.
func (d *dev) upload(dt DType, vals []float64) (driver.DevicePtr, []float64) {
	d.t.Helper()
	b := encode(dt, vals)
	p := d.alloc(len(b))
	d.write(p, b)
	return p, decode(dt, b)
}

// download reads n elements of dt.
func (d *dev) download(dt DType, p driver.DevicePtr, n int) []float64 {
	d.t.Helper()
	return decode(dt, d.read(p, n*dt.Size()))
}

func (d *dev) uploadI64(vals []int64) driver.DevicePtr {
	d.t.Helper()
	b := make([]byte, 8*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(v))
	}
	p := d.alloc(len(b))
	d.write(p, b)
	return p
}

func (d *dev) downloadI64(p driver.DevicePtr, n int) []int64 {
	d.t.Helper()
	b := d.read(p, 8*n)
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return out
}

// zeros returns a zero-filled buffer of n bytes.
func (d *dev) zeros(n int) driver.DevicePtr {
	d.t.Helper()
	p := d.alloc(n)
	d.write(p, make([]byte, n))
	return p
}

func (d *dev) launch(k Kernel, l Launch, a *driver.Args, packErr error) {
	d.t.Helper()
	if packErr != nil {
		d.t.Fatal(packErr)
	}
	if err := d.m.Launch(k.Expr, l.Grid, l.Block, a); err != nil {
		d.t.Fatal(err)
	}
}

// ---- element encodings ---------------------------------------------------------

func encode(dt DType, vals []float64) []byte {
	b := make([]byte, len(vals)*dt.Size())
	le := binary.LittleEndian
	for i, v := range vals {
		switch dt {
		case F32:
			le.PutUint32(b[4*i:], math.Float32bits(float32(v)))
		case F64:
			le.PutUint64(b[8*i:], math.Float64bits(v))
		case BF16:
			le.PutUint16(b[2*i:], bf16Bits(float32(v)))
		case F16:
			le.PutUint16(b[2*i:], f16Bits(float32(v)))
		case I64:
			le.PutUint64(b[8*i:], uint64(truncInt(v, math.MinInt64, math.MaxInt64)))
		case I32:
			le.PutUint32(b[4*i:], uint32(int32(truncInt(v, math.MinInt32, math.MaxInt32))))
		case U8:
			b[i] = uint8(int32(truncInt(v, math.MinInt32, math.MaxInt32)))
		case Bool:
			if v != 0 {
				b[i] = 1
			}
		}
	}
	return b
}

func decode(dt DType, b []byte) []float64 {
	n := len(b) / dt.Size()
	out := make([]float64, n)
	le := binary.LittleEndian
	for i := range out {
		switch dt {
		case F32:
			out[i] = float64(math.Float32frombits(le.Uint32(b[4*i:])))
		case F64:
			out[i] = math.Float64frombits(le.Uint64(b[8*i:]))
		case BF16:
			out[i] = float64(math.Float32frombits(uint32(le.Uint16(b[2*i:])) << 16))
		case F16:
			out[i] = f16Value(le.Uint16(b[2*i:]))
		case I64:
			out[i] = float64(int64(le.Uint64(b[8*i:])))
		case I32:
			out[i] = float64(int32(le.Uint32(b[4*i:])))
		case U8, Bool:
			out[i] = float64(b[i])
		}
	}
	return out
}

// truncInt converts like the kernels: toward zero, saturating at [lo, hi],
// NaN to 0.
func truncInt(v float64, lo, hi int64) int64 {
	switch {
	case v != v:
		return 0
	case v >= float64(hi):
		return hi
	case v <= float64(lo):
		return lo
	}
	return int64(v)
}

// bf16Bits rounds to nearest even; NaN stays NaN.
func bf16Bits(f float32) uint16 {
	u := math.Float32bits(f)
	if u&0x7fffffff > 0x7f800000 {
		return uint16(u>>16) | 0x40
	}
	u += 0x7fff + (u>>16)&1
	return uint16(u >> 16)
}

// f16Bits converts to IEEE binary16, rounding to nearest even.
func f16Bits(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int((b>>23)&0xff) - 127 + 15
	mant := b & 0x7fffff
	switch {
	case (b>>23)&0xff == 0xff:
		if mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	case exp >= 0x1f:
		return sign | 0x7c00
	case exp <= 0:
		if exp < -10 {
			return sign
		}
		mant |= 0x800000
		shift := uint(14 - exp)
		h, rem, half := mant>>shift, mant&(1<<shift-1), uint32(1)<<(shift-1)
		if rem > half || (rem == half && h&1 == 1) {
			h++
		}
		return sign | uint16(h)
	}
	h, rem := uint32(exp)<<10|mant>>13, mant&0x1fff
	if rem > 0x1000 || (rem == 0x1000 && h&1 == 1) {
		h++
	}
	return sign | uint16(h)
}

// f16Value decodes IEEE binary16 exactly.
func f16Value(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp, mant := int(h>>10)&0x1f, float64(h&0x3ff)
	switch exp {
	case 0:
		return sign * mant * math.Pow(2, -24)
	case 0x1f:
		if mant != 0 {
			return math.NaN()
		}
		return sign * math.Inf(1)
	}
	return sign * (1 + mant/1024) * math.Pow(2, float64(exp-15))
}

// tolerance returns the absolute and relative error allowed for dt.
func tolerance(dt DType) (atol, rtol float64) {
	switch dt {
	case F64:
		return 1e-12, 1e-12
	case BF16:
		return 1e-2, 1.6e-2
	case F16:
		return 1e-3, 2e-3
	default:
		return 2e-6, 1e-5
	}
}

// near compares with dt's tolerance; NaN equals NaN, infinities must match.
func near(got, want float64, dt DType) bool {
	if math.IsNaN(want) || math.IsNaN(got) {
		return math.IsNaN(want) && math.IsNaN(got)
	}
	if math.IsInf(want, 0) || math.IsInf(got, 0) {
		return got == want
	}
	atol, rtol := tolerance(dt)
	return math.Abs(got-want) <= atol+rtol*math.Abs(want)
}

func checkClose(t *testing.T, what string, dt DType, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	bad := 0
	for i := range want {
		if !near(got[i], want[i], dt) {
			if bad < 5 {
				t.Errorf("%s [%v] element %d: got %v, want %v", what, dt, i, got[i], want[i])
			}
			bad++
		}
	}
	if bad > 5 {
		t.Errorf("%s [%v]: %d mismatches in all", what, dt, bad)
	}
}
