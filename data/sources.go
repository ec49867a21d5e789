package data

import (
	"fmt"
	"io"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/data/csvfile"
	"github.com/emberdl/ember/data/datasets"
	"github.com/emberdl/ember/data/textfile"
)

// ImageTensors turns an image classification dataset into train and test
// TensorDatasets: images as float32 in [0, 1] shaped [N, C, H, W], labels as
// int64 [N].
func ImageTensors(d *datasets.Dataset) (train, test *TensorDataset, err error) {
	mk := func(images, labels []uint8) (*TensorDataset, error) {
		n := len(labels)
		x := ember.FromSlice(images, n, d.Channels, d.Height, d.Width).To(ember.Float32).MulScalar(1.0 / 255)
		y := ember.FromSlice(labels).To(ember.Int64)
		return NewTensorDataset(x, y)
	}
	if train, err = mk(d.TrainImages, d.TrainLabels); err != nil {
		return nil, nil, err
	}
	if test, err = mk(d.TestImages, d.TestLabels); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// CSV reads tabular data with a header (see csvfile.Options) into a
// TensorDataset of float32 features [N, F] and labels [N] (int64 class
// indices for a categorical label, float32 values otherwise), with the
// parsed table for its schema.
func CSV(r io.Reader, opts csvfile.Options) (*TensorDataset, *csvfile.Table, error) {
	t, err := csvfile.Read(r, opts)
	if err != nil {
		return nil, nil, err
	}
	n := t.Rows
	if n == 0 {
		return nil, nil, fmt.Errorf("data: the CSV has no rows")
	}
	if t.Y == nil {
		return nil, nil, fmt.Errorf("data: the CSV options name no label column")
	}
	x := ember.FromSlice(t.X, n, len(t.X)/n)
	var y *ember.Tensor
	if t.Schema.Label.Kind == csvfile.Categorical {
		y = ember.FromSlice(t.Y).To(ember.Int64)
	} else {
		y = ember.FromSlice(t.Y)
	}
	ds, err := NewTensorDataset(x, y)
	return ds, t, err
}

// TextWindows is a language-modelling dataset over a token stream: example
// i is the context tokens[i:i+T] and the targets tokens[i+1:i+T+1], both
// int64 [T].
type TextWindows struct {
	Tokens  []int32
	Context int
}

// NewTextWindows checks that the corpus is longer than the context.
func NewTextWindows(c *textfile.Corpus, context int) (*TextWindows, error) {
	if context < 1 {
		return nil, fmt.Errorf("data: context length must be positive, got %d", context)
	}
	if len(c.Tokens) <= context {
		return nil, fmt.Errorf("data: corpus of %d tokens is too short for a context of %d", len(c.Tokens), context)
	}
	return &TextWindows{Tokens: c.Tokens, Context: context}, nil
}

// Len returns the number of windows.
func (w *TextWindows) Len() int { return len(w.Tokens) - w.Context }

// Example returns (context, targets) for window i.
func (w *TextWindows) Example(i int) ([]*ember.Tensor, error) {
	b, err := w.Batch([]int{i})
	if err != nil {
		return nil, err
	}
	return []*ember.Tensor{b[0].Squeeze(0), b[1].Squeeze(0)}, nil
}

// Batch returns contexts and targets [len(indices), T].
func (w *TextWindows) Batch(indices []int) ([]*ember.Tensor, error) {
	t := w.Context
	x := make([]int64, len(indices)*t)
	y := make([]int64, len(indices)*t)
	for k, i := range indices {
		if i < 0 || i >= w.Len() {
			return nil, fmt.Errorf("data: window %d of %d: %w", i, w.Len(), ErrIndex)
		}
		for j := 0; j < t; j++ {
			x[k*t+j] = int64(w.Tokens[i+j])
			y[k*t+j] = int64(w.Tokens[i+j+1])
		}
	}
	return []*ember.Tensor{ember.FromSlice(x, len(indices), t), ember.FromSlice(y, len(indices), t)}, nil
}
