package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/driver"
)

// valueGen draws element values of dt that every type holds exactly.
func valueGen(rng *rand.Rand, dt DType) func() float64 {
	return func() float64 {
		switch dt {
		case Bool:
			return float64(rng.IntN(2))
		case U8:
			return float64(rng.IntN(50))
		}
		return float64(rng.IntN(64)-32) / 4
	}
}

// indexTensor returns an i64 tensor of layout l with values in [0, n).
func indexTensor(d *dev, rng *rand.Rand, l layout, n int) *tensor {
	return randomTensor(d, I64, l, func() float64 { return float64(rng.IntN(n)) })
}

func TestIndexSelectAndAddMatchCPU(t *testing.T) {
	d := device(t)
	rng := rand.New(rand.NewPCG(40, 40))
	a := driver.NewArgs()
	shape := []int{4, 6, 5}
	for axis := range shape {
		for _, dt := range AllTypes {
			nIdx := 7
			il := randomLayout(rng, []int{nIdx}, false)
			idx := indexTensor(d, rng, il, shape[axis]) // repeats: index_add accumulates

			// index_select: dst has nIdx along axis.
			src := randomTensor(d, dt, randomLayout(rng, shape, true), valueGen(rng, dt))
			oshape := append([]int(nil), shape...)
			oshape[axis] = nIdx
			ol := randomLayout(rng, oshape, false)
			out := newTensor(d, dt, ol, make([]float64, ol.size))
			errFlag := d.zeros(4)
			err := PackIndexSelect(a, out.operand(), src.operand(), ol.shape64(), axis, int64(shape[axis]), idx.operand(), errFlag)
			d.launch(IndexSelectKernel(dt), ElementwiseLaunch(int64(ol.numel()), 2), a, err)
			cpuBE.IndexSelect(out.view(), src.view(), axis, idx.view())
			out.compare(t, d, fmt.Sprintf("index_select %v axis %d", dt, axis), true)
			if e := d.read(errFlag, 4); e[0] != 0 {
				t.Errorf("index_select: error flag %d", e[0])
			}

			// index_add: src has nIdx along axis.
			dl := randomLayout(rng, shape, false)
			dst := randomTensor(d, dt, dl, valueGen(rng, dt))
			add := randomTensor(d, dt, randomLayout(rng, oshape, true), valueGen(rng, dt))
			err = PackIndexAdd(a, dst.operand(), axis, int64(shape[axis]), idx.operand(), add.operand(), add.l.shape64(), errFlag)
			d.launch(IndexAddKernel(dt), ElementwiseLaunch(int64(add.l.numel()), 2), a, err)
			name := fmt.Sprintf("index_add %v axis %d", dt, axis)
			if dt == BF16 || dt == F16 {
				// The CPU adds 16-bit floats in float32 (ember converts):
				// the values here make every sum exact.
				checkIndexAddHalf(t, d, name, dst, add, idx, axis)
				continue
			}
			cpuBE.IndexAdd(dst.view(), axis, idx.view(), add.view())
			dst.compare(t, d, name, false)
		}
	}
}

// checkIndexAddHalf redoes an index_add of 16-bit floats in float32 on the
// CPU, from the values the emulator started with (dst.cpu).
func checkIndexAddHalf(t *testing.T, d *dev, name string, dst, add, idx *tensor, axis int) {
	t.Helper()
	f := func(x *tensor) backend.Buffer {
		b := zalloc(backend.Float32, x.l.size)
		cpuBE.Copy(backend.Dense(b, x.l.size), backend.Dense(x.cpu, x.l.size))
		return b
	}
	df := f(dst)
	cpuBE.IndexAdd(dst.l.view(df), axis, idx.view(), add.l.view(f(add)))
	checkClose(t, name, dst.dt, decode(dst.dt, dst.devBytes(d)), roundTo(dst.dt, decode(F32, cpuBytes(df))))
}

func TestGatherScatterMatchCPU(t *testing.T) {
	d := device(t)
	rng := rand.New(rand.NewPCG(41, 41))
	a := driver.NewArgs()
	shape := []int{5, 6, 4}
	for axis := range shape {
		for _, dt := range AllTypes {
			ishape := append([]int(nil), shape...)
			ishape[axis] = 3
			il := randomLayout(rng, ishape, true)
			idx := indexTensor(d, rng, il, shape[axis])
			errFlag := d.zeros(4)

			src := randomTensor(d, dt, randomLayout(rng, shape, true), valueGen(rng, dt))
			ol := randomLayout(rng, ishape, false)
			out := newTensor(d, dt, ol, make([]float64, ol.size))
			err := PackGather(a, out.operand(), src.operand(), axis, int64(shape[axis]), idx.operand(), il.shape64(), errFlag)
			d.launch(GatherKernel(dt), ElementwiseLaunch(int64(il.numel()), 2), a, err)
			cpuBE.Gather(out.view(), src.view(), axis, idx.view())
			out.compare(t, d, fmt.Sprintf("gather %v axis %d", dt, axis), true)

			// Scatter-add: repeated positions accumulate.
			dl := randomLayout(rng, shape, false)
			vals := randomTensor(d, dt, randomLayout(rng, ishape, true), valueGen(rng, dt))
			if dt != BF16 && dt != F16 {
				dst := randomTensor(d, dt, dl, valueGen(rng, dt))
				err = PackScatter(a, dst.operand(), axis, int64(shape[axis]), idx.operand(), vals.operand(), il.shape64(), true, errFlag)
				d.launch(ScatterKernel(dt), ElementwiseLaunch(int64(il.numel()), 2), a, err)
				cpuBE.Scatter(dst.view(), axis, idx.view(), vals.view(), true)
				dst.compare(t, d, fmt.Sprintf("scatter_add %v axis %d", dt, axis), false)
			}

			// Scatter (assign) with distinct positions along the axis:
			// idx[..., j, ...] = a permutation of the axis.
			pl := dense(ishape...)
			perm := make([]float64, pl.size)
			st := stridesOf(ishape)[axis]
			for i := range perm {
				c := (i / st) % ishape[axis]
				lane := i%st + (i/(st*ishape[axis]))*7
				perm[i] = float64((c + lane) % shape[axis])
			}
			pidx := newTensor(d, I64, pl, perm)
			dst := randomTensor(d, dt, dl, valueGen(rng, dt))
			err = PackScatter(a, dst.operand(), axis, int64(shape[axis]), pidx.operand(), vals.operand(), pl.shape64(), false, errFlag)
			d.launch(ScatterKernel(dt), ElementwiseLaunch(int64(pl.numel()), 2), a, err)
			cpuBE.Scatter(dst.view(), axis, pidx.view(), vals.view(), false)
			dst.compare(t, d, fmt.Sprintf("scatter %v axis %d", dt, axis), true)
			if e := d.read(errFlag, 4); e[0] != 0 {
				t.Errorf("%v axis %d: error flag %d", dt, axis, e[0])
			}
		}
	}
}

func stridesOf(shape []int) []int { return backend.ContiguousStrides(shape) }

func TestIndexOutOfRange(t *testing.T) {
	d := device(t)
	a := driver.NewArgs()
	src, _ := d.upload(F32, []float64{1, 2, 3})
	idx := d.uploadI64([]int64{2, 3, -1, 0})
	out, errFlag := d.alloc(16), d.zeros(4)
	err := PackIndexSelect(a, &Operand{out, Contiguous(4)}, &Operand{src, Contiguous(3)}, []int64{4}, 0, 3, &Operand{idx, Contiguous(4)}, errFlag)
	d.launch(IndexSelectKernel(F32), ElementwiseLaunch(4, 1), a, err)
	if got := d.download(F32, out, 4); fmt.Sprint(got) != "[3 0 0 1]" {
		t.Errorf("index_select with bad indices = %v", got)
	}
	if e := d.read(errFlag, 4); e[0] != 1 {
		t.Errorf("error flag %d", e[0])
	}
	if err := PackGather(a, &Operand{}, &Operand{}, 2, 1, &Operand{}, []int64{3, 3}, 0); err == nil {
		t.Error("axis 2 of a 2-dim gather accepted")
	}
}

func TestNonzeroMatchesCPU(t *testing.T) {
	d := device(t)
	rng := rand.New(rand.NewPCG(42, 42))
	a := driver.NewArgs()
	for _, shape := range [][]int{{5, 7}, {3, 700, 11}, {2049}, {1}} {
		for _, dt := range AllTypes {
			l := randomLayout(rng, shape, true)
			x := randomTensor(d, dt, l, func() float64 {
				switch rng.IntN(4) {
				case 0:
					return specials[rng.IntN(len(specials))] // -0 is zero, NaN is not
				case 1:
					return 1
				}
				return 0
			})
			z, err := NewNonzero(int64(l.numel()))
			if err != nil {
				t.Fatal(err)
			}
			counts, total := d.alloc(int(z.Blocks)*8), d.alloc(8)
			sh := l.kshape(t)
			lc, err := PackNonzero(a, NonzeroCount, z, dt, x.operand(), &sh, counts, total, 0)
			d.launch(NonzeroKernel(NonzeroCount, dt), lc, a, err)
			lo, err := PackNonzero(a, NonzeroOffsets, z, dt, x.operand(), &sh, counts, total, 0)
			d.launch(NonzeroKernel(NonzeroOffsets, dt), lo, a, err)
			n := d.downloadI64(total, 1)[0]
			out := d.alloc(int(max(n, 1)) * 8)
			lw, err := PackNonzero(a, NonzeroWrite, z, dt, x.operand(), &sh, counts, total, out)
			d.launch(NonzeroKernel(NonzeroWrite, dt), lw, a, err)
			buf, cnt := cpuBE.Nonzero(x.view())
			if int64(cnt) != n {
				t.Errorf("nonzero %v %v: count %d, CPU %d", dt, shape, n, cnt)
				continue
			}
			if got, want := d.read(out, 8*cnt), cpuBytes(buf); string(got) != string(want) {
				t.Errorf("nonzero %v %v: positions differ (%d of them)", dt, shape, cnt)
			}
		}
	}
}
