package kernels

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/emberdl/ember/backend/cuda/driver"
)

func TestEmbedding(t *testing.T) {
	d := device(t)
	rng := rand.New(rand.NewPCG(12, 12))
	const num, dim = 10, 7
	idx := []int64{3, 0, 9, 3, 5, 3}
	a := driver.NewArgs()
	for _, dt := range FloatTypes {
		w, wv := d.upload(dt, randRange(rng, num*dim, -1, 1))
		ip := d.uploadI64(idx)
		out := d.alloc(len(idx) * dim * dt.Size())
		errFlag := d.zeros(4)
		l := ElementwiseLaunch(int64(len(idx)*dim), 2)
		d.launch(EmbeddingKernel(dt, false), l, a, PackEmbedding(a, out, w, ip, int64(len(idx)), dim, num, errFlag))
		want := make([]float64, len(idx)*dim)
		for r, t := range idx {
			copy(want[r*dim:], wv[t*dim:(t+1)*dim])
		}
		checkClose(t, "embedding forward", dt, d.download(dt, out, len(want)), want)

		// Backward: row 3 receives three gradients.
		dout, gv := d.upload(dt, randRange(rng, len(idx)*dim, -1, 1))
		dw := d.zeros(num * dim * dt.Size())
		d.launch(EmbeddingKernel(dt, true), l, a, PackEmbedding(a, dw, dout, ip, int64(len(idx)), dim, num, errFlag))
		wantDw := make([]float64, num*dim)
		for r, t := range idx {
			for c := 0; c < dim; c++ {
				wantDw[t*int64(dim)+int64(c)] += gv[r*dim+c]
			}
		}
		checkClose(t, "embedding backward", dt, d.download(dt, dw, num*dim), roundTo(dt, wantDw))
		if e := binary.LittleEndian.Uint32(d.read(errFlag, 4)); e != 0 {
			t.Errorf("%v: error flag %d on valid indices", dt, e)
		}
	}

	// A bad index writes zeros and raises the flag.
	w, _ := d.upload(F32, randRange(rng, num*dim, 1, 2))
	out := d.alloc(2 * dim * 4)
	errFlag := d.zeros(4)
	d.launch(EmbeddingKernel(F32, false), ElementwiseLaunch(2*dim, 1), a,
		PackEmbedding(a, out, w, d.uploadI64([]int64{1, num}), 2, dim, num, errFlag))
	got := d.download(F32, out, 2*dim)
	for c := 0; c < dim; c++ {
		if got[c] == 0 || got[dim+c] != 0 {
			t.Fatalf("row of a bad index = %v", got[dim:])
		}
	}
	if e := binary.LittleEndian.Uint32(d.read(errFlag, 4)); e != 1 {
		t.Errorf("error flag = %d, want 1", e)
	}
}
