package ember

import (
	"strings"
	"testing"
)

// TestDeviceReportsBadIndices: on a backend that checks indices itself
// (CUDA), an out-of-range index does not stop the op that queued it; the
// next call that waits for the device reports it, naming the op, and the
// device keeps working afterwards.
func TestDeviceReportsBadIndices(t *testing.T) {
	for _, dev := range testDevices() {
		x := Arange(0, 12, 1, Float32, dev).Reshape(3, 4)
		if !checksIndices(x) {
			if dev.Type == CUDAType {
				t.Errorf("%s does not check indices on the device", dev)
			}
			continue
		}
		t.Logf("%s checks indices on the device", dev)
		cases := []struct {
			name, op string
			run      func() *Tensor
		}{
			{"index_select", "IndexSelect", func() *Tensor { return x.IndexSelect(0, FromSlice([]int64{0, 3}).To(dev)) }},
			{"index_select negative", "IndexSelect", func() *Tensor { return x.IndexSelect(1, FromSlice([]int64{-1}).To(dev)) }},
			{"embedding", "IndexSelect", func() *Tensor { return Embedding(FromSlice([]int64{5}).To(dev), x) }},
			{"index_add", "IndexAdd", func() *Tensor { return x.IndexAdd(1, FromSlice([]int64{4}).To(dev), Zeros([]int{3, 1}, dev)) }},
			{"gather", "Gather", func() *Tensor { return x.Gather(1, Full([]int{3, 1}, 4, Int64, dev)) }},
			{"scatter_add", "Scatter", func() *Tensor { return x.ScatterAdd(0, Full([]int{1, 1}, -1, Int64, dev), Zeros([]int{1, 1}, dev)) }},
			{"cross_entropy target", "CrossEntropy", func() *Tensor {
				return CrossEntropy(x, FromSlice([]int64{0, 4, 1}).To(dev), nil)
			}},
		}
		for _, c := range cases {
			var y *Tensor
			if err := Catch(func() { y = c.run() }); err != nil {
				t.Fatalf("%s: %s: the op itself failed: %v", dev, c.name, err)
			}
			err := Catch(func() { y.Float64s() })
			if err == nil || !strings.Contains(err.Error(), c.op) || !strings.Contains(err.Error(), "out of bounds") {
				t.Errorf("%s: %s: reading the result gave %v, want an out-of-bounds error from %s", dev, c.name, err, c.op)
			}
			// Reported once; the device works on.
			if got := x.Sum().Item(); got != 66 {
				t.Fatalf("%s: after %s: sum %v", dev, c.name, got)
			}
		}
		// A loss that does not take the fused kernel picks its targets (and
		// their class weights) by indexing, which reports them.
		w := Ones([]int{4}, dev)
		var y *Tensor
		if err := Catch(func() { y = CrossEntropy(x, FromSlice([]int64{0, 4, 1}).To(dev), &CrossEntropyOptions{Weight: w}) }); err != nil {
			t.Fatal(err)
		}
		if err := Catch(func() { y.Float64s() }); err == nil || !strings.Contains(err.Error(), "out of bounds") {
			t.Errorf("%s: weighted cross_entropy with a bad target gave %v", dev, err)
		}
		// Ignored targets are masked without reading the targets back.
		ce := CrossEntropy(x, FromSlice([]int64{0, -100, 1}).To(dev), nil)
		want := CrossEntropy(x.To(CPU), FromSlice([]int64{0, -100, 1}), nil)
		assertClose(t, dev.String()+" cross_entropy with an ignored target", ce, nil, want.Float64s(), 1e-6, 1e-6)
	}
}
