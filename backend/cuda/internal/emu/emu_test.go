package emu

import (
	"encoding/binary"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/emberdl/ember/backend/cuda/driver"
)

const testKernels = `
namespace t {
__global__ void add(float* out, const float* a, float b, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = a[i] + b;
}
// Reverses each block's slice through shared memory: needs the barrier.
__global__ void reverse(int* data) {
  __shared__ int s[256];
  const int t = threadIdx.x, base = blockIdx.x * blockDim.x;
  s[t] = data[base + t];
  __syncthreads();
  data[base + t] = s[blockDim.x - 1 - t];
}
__global__ void warpsum(int* out, const int* in) {
  int v = in[threadIdx.x];
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  out[threadIdx.x] = v;
}
__global__ void overrun(char* p, int n) {
  if (threadIdx.x == 0) p[n] = 1;
}
__global__ void deadlock(int* p) {
  if (threadIdx.x < 16) {
    __syncthreads();
  } else {
    p[threadIdx.x] = __shfl_xor_sync(0xffffffffu, 1, 1);
  }
}
template <class T> __global__ void scale(T* p, T s, long long n) {
  for (long long i = threadIdx.x; i < n; i += blockDim.x) p[i] *= s;
}
}  // namespace t
`

var (
	machineOnce sync.Once
	machine     *Machine
	machineErr  error
)

func testMachine(t *testing.T) *Machine {
	t.Helper()
	machineOnce.Do(func() {
		bin, err := Build(Sources{
			Files: map[string]string{"t.cu": testKernels},
			Units: []Unit{{File: "t.cu", Exprs: []string{"t::add", "t::reverse", "t::warpsum", "t::overrun",
				"t::deadlock", "t::scale<double>", "t::scale<float>"}}},
		})
		if err != nil {
			machineErr = err
			return
		}
		machine, machineErr = Start(bin)
	})
	if machineErr != nil {
		t.Fatal(machineErr)
	}
	return machine
}

func alloc(t *testing.T, m *Machine, b []byte) driver.DevicePtr {
	t.Helper()
	p, err := m.Alloc(len(b))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Write(p, b); err != nil {
		t.Fatal(err)
	}
	return p
}

func i32s(v []int32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(x))
	}
	return b
}

func readI32s(t *testing.T, m *Machine, p driver.DevicePtr, n int) []int32 {
	t.Helper()
	b := make([]byte, 4*n)
	if err := m.Read(p, b); err != nil {
		t.Fatal(err)
	}
	out := make([]int32, n)
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

func TestLaunchWithPackedArgs(t *testing.T) {
	m := testMachine(t)
	const n = 100
	src := make([]byte, 4*n)
	for i := 0; i < n; i++ {
		binary.LittleEndian.PutUint32(src[4*i:], math.Float32bits(float32(i)))
	}
	a := alloc(t, m, src)
	out, _ := m.Alloc(4 * n)
	args := driver.NewArgs().Ptr(out).Ptr(a).F32(0.5).I32(n)
	if err := m.Launch("t::add", driver.D1(4), driver.D1(32), args.Bytes()); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4*n)
	if err := m.Read(out, b); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if got := math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])); got != float32(i)+0.5 {
			t.Fatalf("out[%d] = %v", i, got)
		}
	}
	// A template instantiation with a double and a 64-bit parameter.
	d := make([]byte, 8*3)
	for i, v := range []float64{1, -2, 3.5} {
		binary.LittleEndian.PutUint64(d[8*i:], math.Float64bits(v))
	}
	pd := alloc(t, m, d)
	if err := m.Launch("t::scale<double>", driver.D1(1), driver.D1(64), driver.NewArgs().Ptr(pd).F64(-2).I64(3).Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := m.Read(pd, d); err != nil {
		t.Fatal(err)
	}
	for i, want := range []float64{-2, 4, -7} {
		if got := math.Float64frombits(binary.LittleEndian.Uint64(d[8*i:])); got != want {
			t.Errorf("scale: p[%d] = %v, want %v", i, got, want)
		}
	}
}

func TestBarrierAndShuffle(t *testing.T) {
	m := testMachine(t)
	v := make([]int32, 128)
	for i := range v {
		v[i] = int32(i)
	}
	p := alloc(t, m, i32s(v))
	if err := m.Launch("t::reverse", driver.D1(2), driver.D1(64), driver.NewArgs().Ptr(p).Bytes()); err != nil {
		t.Fatal(err)
	}
	got := readI32s(t, m, p, 128)
	for i := range got {
		block, lane := i/64, i%64
		if want := int32(block*64 + 63 - lane); got[i] != want {
			t.Fatalf("reverse[%d] = %d, want %d", i, got[i], want)
		}
	}
	in := alloc(t, m, i32s(v[:64]))
	out, _ := m.Alloc(4 * 64)
	if err := m.Launch("t::warpsum", driver.D1(1), driver.D1(64), driver.NewArgs().Ptr(out).Ptr(in).Bytes()); err != nil {
		t.Fatal(err)
	}
	sums := readI32s(t, m, out, 64)
	for i, s := range sums {
		want := int32(496) // 0+...+31
		if i >= 32 {
			want = 496 + 32*32
		}
		if s != want {
			t.Fatalf("warpsum[%d] = %d, want %d", i, s, want)
		}
	}
}

func TestMisuseIsReported(t *testing.T) {
	m := testMachine(t)
	buf, _ := m.Alloc(16)
	for _, tc := range []struct {
		name, expr string
		block      uint32
		params     []byte
		want       string
	}{
		{"short parameter block", "t::add", 32, driver.NewArgs().Ptr(buf).Ptr(buf).F32(1).Bytes(), "parameter block is 20 bytes, the kernel's parameters take 24"},
		{"long parameter block", "t::overrun", 32, driver.NewArgs().Ptr(buf).I64(16).Bytes(), "parameter block is 16 bytes, the kernel's parameters take 12"},
		{"write past the end", "t::overrun", 32, driver.NewArgs().Ptr(buf).I32(16).Bytes(), "wrote outside the 16-byte buffer"},
		{"deadlock", "t::deadlock", 32, driver.NewArgs().Ptr(buf).Bytes(), "deadlock"},
		{"partial warp shuffle", "t::warpsum", 48, driver.NewArgs().Ptr(buf).Ptr(buf).Bytes(), "lanes that have exited or do not exist"},
		{"unknown kernel", "t::nope", 32, nil, "no kernel registered as t::nope"},
	} {
		err := m.Launch(tc.expr, driver.D1(1), driver.D1(tc.block), tc.params)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
	if err := m.Write(buf+8, make([]byte, 16)); err == nil {
		t.Error("write past a buffer accepted")
	}
	if err := m.Free(buf + 4); err == nil {
		t.Error("free of an interior address accepted")
	}
}
