package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/driver"
)

// runSort sorts src along axis on the emulator into new values and indices
// tensors of layouts vl and il.
func runSort(t *testing.T, d *dev, src *tensor, vl, il layout, axis int, desc bool, maxBlocks int) (values, indices *tensor, steps int) {
	t.Helper()
	values = newTensor(d, src.dt, vl, make([]float64, vl.size))
	indices = newTensor(d, I64, il, make([]float64, il.size))
	s, err := NewSort(src.l.shape64(), axis, maxBlocks)
	if err != nil {
		t.Fatal(err)
	}
	var work driver.DevicePtr
	if n := s.WorkspaceBytes(); n > 0 {
		work = d.alloc(int(n))
	}
	a := driver.NewArgs()
	for step := 0; step < s.Steps(); step++ {
		k, l, err := s.Pack(a, step, src.dt, values.operand(), indices.operand(), src.operand(), work, desc)
		d.launch(k, l, a, err)
	}
	return values, indices, s.Steps()
}

// sortRef sorts one lane stably (NaN largest, -0 == 0) and returns the
// permutation.
func sortRef(vals []float64, desc bool) []int {
	perm := make([]int, len(vals))
	for i := range perm {
		perm[i] = i
	}
	less := func(a, b float64) bool {
		if math.IsNaN(a) || math.IsNaN(b) {
			return !math.IsNaN(a) && math.IsNaN(b)
		}
		return a < b
	}
	sort.SliceStable(perm, func(i, j int) bool {
		a, b := vals[perm[i]], vals[perm[j]]
		if desc {
			return less(b, a)
		}
		return less(a, b)
	})
	return perm
}

func TestSortMatchesCPU(t *testing.T) {
	d := device(t)
	rng := rand.New(rand.NewPCG(50, 50))
	for _, c := range []struct {
		shape []int
		axis  int
	}{
		{[]int{5, 37}, 1}, {[]int{5, 37}, 0}, {[]int{3, 4, 6}, 1}, {[]int{1}, 0},
		{[]int{2, 4096}, 1}, // the longest row sorted in shared memory
		{[]int{3, 5000}, 1}, // two tiles, one merge
		{[]int{2, 13000}, 1},
		{[]int{17000}, 0}, // five tiles, three merges
	} {
		for _, dt := range AllTypes {
			for _, desc := range []bool{false, true} {
				big := c.shape[c.axis] >= SortTile
				if big && (dt != F32 && dt != BF16 || dt == BF16 && desc) {
					continue // past the keys, the long-row path does not depend on the type
				}
				sl := randomLayout(rng, c.shape, false)
				src := randomTensor(d, dt, sl, func() float64 {
					switch {
					case dt == Bool:
						return float64(rng.IntN(2))
					case dt.isFloat() && rng.IntN(20) == 0:
						return specials[rng.IntN(len(specials))]
					case dt == U8:
						return float64(rng.IntN(40))
					}
					return float64(rng.IntN(60)-30) / 2 // ties
				})
				vl, il := randomLayout(rng, c.shape, false), randomLayout(rng, c.shape, false)
				values, indices, steps := runSort(t, d, src, vl, il, c.axis, desc, 6)
				name := fmt.Sprintf("sort %v %v axis %d desc %v (%d steps)", dt, c.shape, c.axis, desc, steps)
				switch dt {
				case F32, F64, I64, I32, U8:
					cpuBE.Sort(values.view(), indices.view(), src.view(), c.axis, desc)
					indices.compare(t, d, name+" indices", true)
					values.compare(t, d, name+" values", true)
				default:
					checkSortLanes(t, d, name, src, values, indices, c.axis, desc)
				}
			}
		}
	}
}

// checkSortLanes checks a sort against sortRef lane by lane (for the types
// the CPU does not sort).
func checkSortLanes(t *testing.T, d *dev, name string, src, values, indices *tensor, axis int, desc bool) {
	t.Helper()
	sv, vv := decode(src.dt, src.devBytes(d)), decode(values.dt, values.devBytes(d))
	iv := decode(I64, indices.devBytes(d))
	shape := src.l.shape
	lanes := backend.Numel(shape) / shape[axis]
	rest := withoutAxis(src.l.shape64(), axis)
	for k := 0; k < lanes; k++ {
		// Coordinates of lane k over the other dims.
		coord, rem := make([]int, len(shape)), k
		for i := len(rest.size) - 1; i >= 0; i-- {
			dim := i
			if i >= axis {
				dim = i + 1
			}
			coord[dim] = rem % int(rest.size[i])
			rem /= int(rest.size[i])
		}
		at := func(l layout, j int) int {
			o := l.offset
			for dim, c := range coord {
				if dim == axis {
					c = j
				}
				o += c * l.strides[dim]
			}
			return o
		}
		lane := make([]float64, shape[axis])
		for j := range lane {
			lane[j] = sv[at(src.l, j)]
		}
		perm := sortRef(lane, desc)
		for j, p := range perm {
			gi, gv := int(iv[at(indices.l, j)]), vv[at(values.l, j)]
			if gi != p || (gv != lane[p] && !(math.IsNaN(gv) && math.IsNaN(lane[p]))) {
				t.Errorf("%s lane %d position %d: (%v from %d), want (%v from %d)", name, k, j, gv, gi, lane[p], p)
				return
			}
		}
	}
}

func TestSortPlan(t *testing.T) {
	for _, c := range []struct {
		length       int64
		steps        int
		workspaceOK  bool
		workspaceLen int64
	}{{10, 1, false, 0}, {4096, 1, false, 0}, {4097, 3, true, 24 * 4097}, {8192, 3, true, 24 * 8192},
		{8193, 4, true, 24 * 8193}, {40000, 6, true, 24 * 40000}} {
		s, err := NewSort([]int64{c.length}, 0, 4)
		if err != nil {
			t.Fatal(err)
		}
		if s.Steps() != c.steps || s.WorkspaceBytes() != c.workspaceLen {
			t.Errorf("length %d: %d steps, %d workspace bytes; want %d, %d", c.length, s.Steps(), s.WorkspaceBytes(), c.steps, c.workspaceLen)
		}
	}
	if _, err := NewSort([]int64{3, 4}, 2, 4); err == nil {
		t.Error("axis 2 accepted")
	}
	s, _ := NewSort([]int64{5000}, 0, 4)
	if _, _, err := s.Pack(driver.NewArgs(), 1, F32, &Operand{}, &Operand{}, &Operand{}, 0, false); err == nil {
		t.Error("a tiled sort without workspace accepted")
	}
}
