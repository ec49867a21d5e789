package data

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/data/csvfile"
	"github.com/emberdl/ember/data/textfile"
)

func seqDataset(t *testing.T, n int) *TensorDataset {
	t.Helper()
	x := ember.Arange(0, float64(n), 1, ember.Float32).Reshape(n, 1)
	y := ember.Arange(0, float64(n), 1)
	d, err := NewTensorDataset(x, y)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func collectEpoch(t *testing.T, l *Loader, epoch int) [][]int64 {
	t.Helper()
	var out [][]int64
	for b, err := range l.Epoch(context.Background(), epoch) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b[1].Int64s())
	}
	return out
}

func TestLoaderOrderAndDeterminism(t *testing.T) {
	d := seqDataset(t, 10)
	plain := collectEpoch(t, &Loader{Dataset: d, BatchSize: 4}, 0)
	if len(plain) != 3 || !slices.Equal(plain[2], []int64{8, 9}) {
		t.Fatalf("unshuffled batches %v", plain)
	}
	if n := len(collectEpoch(t, &Loader{Dataset: d, BatchSize: 4, DropLast: true}, 0)); n != 2 {
		t.Fatalf("drop last: %d batches", n)
	}
	serial := &Loader{Dataset: d, BatchSize: 3, Shuffle: true, Seed: 5}
	par := &Loader{Dataset: d, BatchSize: 3, Shuffle: true, Seed: 5, Workers: 3, Prefetch: 2}
	a, b := collectEpoch(t, serial, 2), collectEpoch(t, par, 2)
	if !slices.EqualFunc(a, b, slices.Equal) {
		t.Fatalf("workers changed the batches:\n%v\n%v", a, b)
	}
	var all []int64
	for _, x := range a {
		all = append(all, x...)
	}
	slices.Sort(all)
	if !slices.Equal(all, []int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
		t.Fatalf("an epoch must see every example once: %v", all)
	}
	if c := collectEpoch(t, serial, 3); slices.EqualFunc(a, c, slices.Equal) {
		t.Fatal("a new epoch should shuffle differently")
	}
	// Resuming mid-epoch gives the remaining batches.
	var rest [][]int64
	for b, err := range par.EpochFrom(context.Background(), 2, 2) {
		if err != nil {
			t.Fatal(err)
		}
		rest = append(rest, b[1].Int64s())
	}
	if !slices.EqualFunc(rest, a[2:], slices.Equal) {
		t.Fatalf("resume: %v, want %v", rest, a[2:])
	}
}

func TestLoaderCollateAndTransform(t *testing.T) {
	d := seqDataset(t, 6)
	l := &Loader{Dataset: d, BatchSize: 2, Collate: Stack, Workers: 2,
		Transform: func(b []*ember.Tensor, g *ember.Generator) ([]*ember.Tensor, error) {
			return []*ember.Tensor{b[0].Add(ember.Rand([]int{2, 1}, g)), b[1]}, nil
		}}
	var first []float32
	for b, err := range l.Epoch(context.Background(), 0) {
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = b[0].Float32s()
		}
	}
	for b := range l.Epoch(context.Background(), 0) {
		if !slices.Equal(b[0].Float32s(), first) {
			t.Fatalf("random transform not reproducible: %v vs %v", b[0].Float32s(), first)
		}
		break
	}
}

type failing struct{ *TensorDataset }

func (f failing) Example(i int) ([]*ember.Tensor, error) {
	if i == 4 {
		return nil, errors.New("disk on fire")
	}
	return f.TensorDataset.Example(i)
}

func TestLoaderErrorsAndNoLeaks(t *testing.T) {
	before := runtime.NumGoroutine()
	d := seqDataset(t, 100)
	l := &Loader{Dataset: failing{d}, BatchSize: 2, Collate: Stack, Workers: 4}
	var err error
	n := 0
	for _, e := range l.Epoch(context.Background(), 0) {
		if e != nil {
			err = e
			break
		}
		n++
	}
	if err == nil || !strings.Contains(err.Error(), "disk on fire") || n != 2 {
		t.Fatalf("after %d batches: err %v", n, err)
	}
	// Breaking out early stops the workers.
	big := &Loader{Dataset: d, BatchSize: 1, Workers: 4, Prefetch: 3}
	for range big.Epoch(context.Background(), 0) {
		break
	}
	// Cancelling the context ends the epoch with the context's error.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := 0
	var cerr error
	for _, e := range big.Epoch(ctx, 0) {
		if e != nil {
			cerr = e
			break
		}
		got++
		if got == 3 {
			cancel()
		}
	}
	if !errors.Is(cerr, context.Canceled) {
		t.Fatalf("cancel: %v after %d", cerr, got)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > before {
		t.Fatalf("goroutines: %d before, %d after", before, g)
	}
}

func TestSplitSubsetConcat(t *testing.T) {
	d := seqDataset(t, 10)
	parts, err := RandomSplit(d, []float64{0.7, 0.3}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if parts[0].Len() != 7 || parts[1].Len() != 3 {
		t.Fatalf("sizes %d %d", parts[0].Len(), parts[1].Len())
	}
	seen := map[int]bool{}
	for _, p := range parts {
		for _, i := range p.Indices {
			seen[i] = true
		}
	}
	if len(seen) != 10 {
		t.Fatal("split lost or repeated examples")
	}
	if _, err := RandomSplit(d, []float64{4, 4}, 1); err == nil {
		t.Fatal("counts that do not add up must fail")
	}
	b, err := parts[1].Batch([]int{0, 2})
	if err != nil || b[1].Int64s()[1] != int64(parts[1].Indices[2]) {
		t.Fatalf("subset batch %v %v", b, err)
	}
	c := &Concat{Datasets: []Dataset{d, parts[1]}}
	ex, err := c.Example(11)
	if err != nil || ex[1].Item() != float64(parts[1].Indices[1]) || c.Len() != 13 {
		t.Fatalf("concat: %v %v", ex, err)
	}
	if _, err := c.Example(13); !errors.Is(err, ErrIndex) {
		t.Fatalf("concat out of range: %v", err)
	}
	if _, err := NewTensorDataset(ember.Zeros([]int{3}), ember.Zeros([]int{4})); err == nil {
		t.Fatal("mismatched lengths accepted")
	}
}

func TestTransforms(t *testing.T) {
	g := ember.NewGenerator(1)
	x := ember.Arange(0, 2*1*4*4, 1, ember.Float32).Reshape(2, 1, 4, 4)
	f := HorizontalFlip(1)(x, g)
	if got := f.Float32s()[:4]; !slices.Equal(got, []float32{3, 2, 1, 0}) {
		t.Fatalf("flip: %v", got)
	}
	if got := HorizontalFlip(0)(x, g); !slices.Equal(got.Float32s(), x.Float32s()) {
		t.Fatal("flip with p=0 changed the image")
	}
	c := RandomCrop(2)(x, g)
	if !slices.Equal(c.Shape(), x.Shape()) {
		t.Fatalf("crop shape %v", c.Shape())
	}
	// Each output is a shifted window of the zero-padded input: values are
	// pixels of the same image or zeros.
	vals := c.Float32s()
	for i, v := range vals {
		img := i / 16
		if v != 0 && (int(v)/16 != img) {
			t.Fatalf("crop mixed images: %v", vals)
		}
	}
	n := Normalize([]float64{2}, []float64{4})(x, g)
	if got := n.Float32s()[3]; got != 0.25 {
		t.Fatalf("normalize: %v", got)
	}
	s := ToFloat(255)(ember.FromSlice([]uint8{0, 255}).Reshape(1, 2), g)
	if got := s.Float32s(); got[1] != 1 || s.DType() != ember.Float32 {
		t.Fatalf("to float: %v", got)
	}
}

func TestCSVAndText(t *testing.T) {
	csv := "a,b,label\n1,x,cat\n2,y,dog\n3,x,cat\n"
	ds, tab, err := CSV(strings.NewReader(csv), csvfile.Options{Label: "label", Categorical: []string{"b"}})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != 3 || ds.Tensors[1].DType() != ember.Int64 || len(tab.Schema.Features) != 2 {
		t.Fatalf("csv: len %d dtype %v features %d", ds.Len(), ds.Tensors[1].DType(), len(tab.Schema.Features))
	}
	corpus := &textfile.Corpus{Tokens: []int32{5, 6, 7, 8, 9}}
	w, err := NewTextWindows(corpus, 3)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := w.Example(1)
	if err != nil || !slices.Equal(ex[0].Int64s(), []int64{6, 7, 8}) || !slices.Equal(ex[1].Int64s(), []int64{7, 8, 9}) {
		t.Fatalf("windows: %v %v", ex, err)
	}
	if _, err := NewTextWindows(corpus, 5); err == nil {
		t.Fatal("context longer than the corpus accepted")
	}
}
