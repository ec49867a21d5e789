package data

import (
	"errors"
	"fmt"

	"github.com/emberdl/ember"
)

// Dataset is an indexed collection of examples. Each example is a list of
// tensors (usually input and target).
type Dataset interface {
	Len() int
	Example(i int) ([]*ember.Tensor, error)
}

// BatchDataset is a Dataset that can produce a whole batch at once (one
// gather per tensor instead of one small tensor per example); Loader uses
// it when available.
type BatchDataset interface {
	Dataset
	Batch(indices []int) ([]*ember.Tensor, error)
}

// ErrIndex is wrapped by errors about indices outside a dataset.
var ErrIndex = errors.New("index out of range")

// TensorDataset holds whole tensors whose first axis indexes examples (like
// torch.utils.data.TensorDataset).
type TensorDataset struct {
	Tensors []*ember.Tensor
}

// NewTensorDataset checks that every tensor has the same first size.
func NewTensorDataset(ts ...*ember.Tensor) (*TensorDataset, error) {
	if len(ts) == 0 {
		return nil, errors.New("data: a TensorDataset needs at least one tensor")
	}
	for i, t := range ts {
		if t.Dim() == 0 {
			return nil, fmt.Errorf("data: tensor %d is a scalar; the first axis must index examples", i)
		}
		if t.Size(0) != ts[0].Size(0) {
			return nil, fmt.Errorf("data: tensor %d has %d examples, tensor 0 has %d", i, t.Size(0), ts[0].Size(0))
		}
	}
	return &TensorDataset{Tensors: ts}, nil
}

// Len returns the number of examples.
func (d *TensorDataset) Len() int { return d.Tensors[0].Size(0) }

// Example returns example i (views of the stored tensors).
func (d *TensorDataset) Example(i int) ([]*ember.Tensor, error) {
	if i < 0 || i >= d.Len() {
		return nil, fmt.Errorf("data: example %d of %d: %w", i, d.Len(), ErrIndex)
	}
	out := make([]*ember.Tensor, len(d.Tensors))
	for k, t := range d.Tensors {
		out[k] = t.Select(0, i)
	}
	return out, nil
}

// Batch gathers the examples at indices into one tensor per field.
func (d *TensorDataset) Batch(indices []int) ([]*ember.Tensor, error) {
	for _, i := range indices {
		if i < 0 || i >= d.Len() {
			return nil, fmt.Errorf("data: example %d of %d: %w", i, d.Len(), ErrIndex)
		}
	}
	idx := ember.FromSlice(indices)
	out := make([]*ember.Tensor, len(d.Tensors))
	for k, t := range d.Tensors {
		ix := idx
		if t.Device() != ember.CPU {
			ix = idx.To(t.Device())
		}
		out[k] = t.IndexSelect(0, ix)
	}
	return out, nil
}

// Subset is a view of some examples of another dataset.
type Subset struct {
	Dataset Dataset
	Indices []int
}

// Len returns the number of examples.
func (s *Subset) Len() int { return len(s.Indices) }

// Example returns the i-th example of the subset.
func (s *Subset) Example(i int) ([]*ember.Tensor, error) {
	if i < 0 || i >= len(s.Indices) {
		return nil, fmt.Errorf("data: example %d of a subset of %d: %w", i, len(s.Indices), ErrIndex)
	}
	return s.Dataset.Example(s.Indices[i])
}

// Batch maps the indices and batches from the underlying dataset.
func (s *Subset) Batch(indices []int) ([]*ember.Tensor, error) {
	inner := make([]int, len(indices))
	for k, i := range indices {
		if i < 0 || i >= len(s.Indices) {
			return nil, fmt.Errorf("data: example %d of a subset of %d: %w", i, len(s.Indices), ErrIndex)
		}
		inner[k] = s.Indices[i]
	}
	return batchOf(s.Dataset, inner)
}

// batchOf gets a batch from a dataset, through Batch when it has one.
func batchOf(d Dataset, indices []int) ([]*ember.Tensor, error) {
	if b, ok := d.(BatchDataset); ok {
		return b.Batch(indices)
	}
	examples := make([][]*ember.Tensor, len(indices))
	for k, i := range indices {
		ex, err := d.Example(i)
		if err != nil {
			return nil, err
		}
		examples[k] = ex
	}
	return Stack(examples)
}

// Stack is the default collate function: it stacks field k of every
// example into one tensor with a new leading batch axis.
func Stack(examples [][]*ember.Tensor) ([]*ember.Tensor, error) {
	if len(examples) == 0 {
		return nil, errors.New("data: cannot collate an empty batch")
	}
	n := len(examples[0])
	out := make([]*ember.Tensor, n)
	for k := 0; k < n; k++ {
		col := make([]*ember.Tensor, len(examples))
		for i, ex := range examples {
			if len(ex) != n {
				return nil, fmt.Errorf("data: example %d has %d fields, example 0 has %d", i, len(ex), n)
			}
			col[i] = ex[k]
		}
		if err := ember.Catch(func() { out[k] = ember.Stack(col, 0) }); err != nil {
			return nil, fmt.Errorf("data: collating field %d: %w", k, err)
		}
	}
	return out, nil
}

// RandomSplit splits d into datasets of the given sizes after a seeded
// shuffle (sizes may be fractions that sum to 1, like torch's random_split
// with lengths given as fractions; the remainder goes to the first parts).
func RandomSplit(d Dataset, sizes []float64, seed uint64) ([]*Subset, error) {
	n := d.Len()
	counts := make([]int, len(sizes))
	sum := 0.0
	for _, s := range sizes {
		if s < 0 {
			return nil, fmt.Errorf("data: negative split size %v", s)
		}
		sum += s
	}
	total := 0
	fractions := sum <= 1+1e-9 && sum >= 1-1e-9
	for i, s := range sizes {
		if fractions {
			counts[i] = int(float64(n) * s)
		} else {
			counts[i] = int(s)
			if float64(counts[i]) != s {
				return nil, fmt.Errorf("data: split sizes must be whole numbers or fractions summing to 1, got %v", sizes)
			}
		}
		total += counts[i]
	}
	if fractions {
		for i := 0; total < n; i = (i + 1) % len(counts) {
			counts[i]++
			total++
		}
	}
	if total != n {
		return nil, fmt.Errorf("data: split sizes %v add up to %d, the dataset has %d examples", sizes, total, n)
	}
	perm := ember.Randperm(n, ember.NewGenerator(seed)).Ints()
	out := make([]*Subset, len(counts))
	pos := 0
	for i, c := range counts {
		out[i] = &Subset{Dataset: d, Indices: perm[pos : pos+c]}
		pos += c
	}
	return out, nil
}

// Concat joins datasets end to end.
type Concat struct {
	Datasets []Dataset
}

// Len returns the total number of examples.
func (c *Concat) Len() int {
	n := 0
	for _, d := range c.Datasets {
		n += d.Len()
	}
	return n
}

// Example returns example i, counting through the datasets in order.
func (c *Concat) Example(i int) ([]*ember.Tensor, error) {
	if i < 0 {
		return nil, fmt.Errorf("data: example %d: %w", i, ErrIndex)
	}
	for _, d := range c.Datasets {
		if i < d.Len() {
			return d.Example(i)
		}
		i -= d.Len()
	}
	return nil, fmt.Errorf("data: example beyond the %d of the concatenation: %w", c.Len(), ErrIndex)
}
