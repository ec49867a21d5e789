package data

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"

	"github.com/emberdl/ember"
)

// Loader batches a dataset, optionally shuffled and augmented, with
// background workers preparing batches ahead of the training loop.
type Loader struct {
	Dataset   Dataset
	BatchSize int  // examples per batch (default 1)
	Shuffle   bool // a new seeded order every epoch
	DropLast  bool // drop a final batch smaller than BatchSize
	Seed      uint64

	// Workers is the number of goroutines preparing batches; 0 prepares
	// each batch on the consumer's goroutine when it is asked for.
	Workers int
	// Prefetch bounds how many batches may be ready or in preparation ahead
	// of the consumer (default 2 per worker), which bounds memory.
	Prefetch int

	// Collate turns the examples of a batch into batch tensors, for datasets
	// without a Batch method (default Stack).
	Collate func(examples [][]*ember.Tensor) ([]*ember.Tensor, error)
	// Transform, if set, changes each batch (augmentation); g is a generator
	// seeded from (Seed, epoch, batch number), so results do not depend on
	// which worker ran it.
	Transform func(batch []*ember.Tensor, g *ember.Generator) ([]*ember.Tensor, error)
}

// NumBatches returns the number of batches in an epoch.
func (l *Loader) NumBatches() int {
	n, b := l.Dataset.Len(), l.batchSize()
	if l.DropLast {
		return n / b
	}
	return (n + b - 1) / b
}

func (l *Loader) batchSize() int { return max(1, l.BatchSize) }

// mix derives a seed from several numbers (SplitMix64 steps).
func mix(vals ...uint64) uint64 {
	h := uint64(0x9E3779B97F4A7C15)
	for _, v := range vals {
		h ^= v + 0x9E3779B97F4A7C15 + (h << 6) + (h >> 2)
		h ^= h >> 30
		h *= 0xBF58476D1CE4E5B9
		h ^= h >> 27
		h *= 0x94D049BB133111EB
		h ^= h >> 31
	}
	return h
}

// order returns the example order of an epoch.
func (l *Loader) order(epoch int) []int {
	n := l.Dataset.Len()
	if !l.Shuffle {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	return ember.Randperm(n, ember.NewGenerator(mix(l.Seed, uint64(epoch)))).Ints()
}

// makeBatch prepares batch b of an epoch from its indices.
func (l *Loader) makeBatch(epoch, b int, idx []int) ([]*ember.Tensor, error) {
	var batch []*ember.Tensor
	var err error
	if l.Collate != nil {
		examples := make([][]*ember.Tensor, len(idx))
		for k, i := range idx {
			if examples[k], err = l.Dataset.Example(i); err != nil {
				return nil, err
			}
		}
		batch, err = l.Collate(examples)
	} else {
		batch, err = batchOf(l.Dataset, idx)
	}
	if err != nil {
		return nil, fmt.Errorf("data: batch %d: %w", b, err)
	}
	if l.Transform != nil {
		g := ember.NewGenerator(mix(l.Seed, uint64(epoch), uint64(b), 0x7a))
		if err := ember.Catch(func() { batch, err = l.Transform(batch, g) }); err != nil {
			return nil, fmt.Errorf("data: transforming batch %d: %w", b, err)
		}
		if err != nil {
			return nil, fmt.Errorf("data: transforming batch %d: %w", b, err)
		}
	}
	return batch, nil
}

// Epoch yields the batches of one epoch in order. Stopping the loop early,
// or cancelling ctx, stops the workers; Epoch returns only once they have
// exited. A cancelled context ends the epoch with ctx.Err().
func (l *Loader) Epoch(ctx context.Context, epoch int) iter.Seq2[[]*ember.Tensor, error] {
	return l.EpochFrom(ctx, epoch, 0)
}

// EpochFrom is Epoch starting at batch skip (to resume an interrupted
// epoch with the same batches an uninterrupted one would have had).
func (l *Loader) EpochFrom(ctx context.Context, epoch, skip int) iter.Seq2[[]*ember.Tensor, error] {
	return func(yield func([]*ember.Tensor, error) bool) {
		if l.Dataset == nil {
			yield(nil, errors.New("data: Loader has no Dataset"))
			return
		}
		order := l.order(epoch)
		bs := l.batchSize()
		nb := l.NumBatches()
		indices := func(b int) []int { return order[b*bs : min((b+1)*bs, len(order))] }
		if l.Workers <= 0 {
			for b := skip; b < nb; b++ {
				if err := ctx.Err(); err != nil {
					yield(nil, err)
					return
				}
				batch, err := l.makeBatch(epoch, b, indices(b))
				if !yield(batch, err) || err != nil {
					return
				}
			}
			return
		}
		l.parallelEpoch(ctx, epoch, skip, nb, indices, yield)
	}
}

type result struct {
	batch []*ember.Tensor
	err   error
}

func (l *Loader) parallelEpoch(ctx context.Context, epoch, skip, nb int, indices func(int) []int, yield func([]*ember.Tensor, error) bool) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	prefetch := l.Prefetch
	if prefetch <= 0 {
		prefetch = 2 * l.Workers
	}
	slots := make([]chan result, nb)
	for b := skip; b < nb; b++ {
		slots[b] = make(chan result, 1)
	}
	jobs := make(chan int)
	window := make(chan struct{}, prefetch)
	// The dispatcher hands out batch numbers in order, at most prefetch
	// ahead of the consumer.
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(jobs)
		for b := skip; b < nb; b++ {
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	for w := 0; w < l.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range jobs {
				if ctx.Err() != nil {
					return
				}
				batch, err := l.makeBatch(epoch, b, indices(b))
				slots[b] <- result{batch, err}
			}
		}()
	}
	for b := skip; b < nb; b++ {
		var r result
		select {
		case r = <-slots[b]:
		case <-ctx.Done():
			yield(nil, ctx.Err())
			return
		}
		<-window
		if !yield(r.batch, r.err) || r.err != nil {
			return
		}
	}
}
