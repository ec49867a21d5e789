package models

import (
	"errors"
	"fmt"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/nn"
)

// Generate continues prompt by n bytes with greedy decoding (batch 1), as
// gpt_char.py's generate. Without the cache every step runs the model on
// the last block_size bytes. With it, each step feeds one byte and reuses
// the keys and values of earlier positions; when the cache holds
// block_size positions it is rebuilt from the last block_size/2 bytes
// (learned positions end at block_size). A prompt longer than the block
// is cut to its last block_size bytes. The model is put in evaluation mode.
func (m *GPTChar) Generate(prompt []byte, n int, useCache bool) ([]byte, error) {
	if len(prompt) == 0 {
		return nil, errors.New("models: Generate needs a prompt of at least one byte")
	}
	if n < 0 {
		return nil, fmt.Errorf("models: Generate: negative length %d", n)
	}
	if m.Config.Vocab > 256 {
		return nil, fmt.Errorf("models: Generate decodes bytes, but the vocabulary has %d tokens", m.Config.Vocab)
	}
	for _, b := range prompt {
		if int(b) >= m.Config.Vocab {
			return nil, fmt.Errorf("models: Generate: byte %d is outside the vocabulary of %d", b, m.Config.Vocab)
		}
	}
	block := m.Config.BlockSize
	if len(prompt) > block {
		prompt = prompt[len(prompt)-block:]
	}
	dev := m.WTE.Weight.Device()
	ids := func(bs []byte) *ember.Tensor {
		v := make([]int64, len(bs))
		for i, b := range bs {
			v[i] = int64(b)
		}
		return ember.FromSlice(v, 1, len(v)).To(dev)
	}
	nn.Eval(m)
	seq := append([]byte(nil), prompt...)
	err := ember.Catch(func() {
		ember.NoGrad(func() {
			var caches []*kvCache
			newCaches := func() {
				caches = nil
				if useCache {
					for range m.H {
						caches = append(caches, &kvCache{})
					}
				}
			}
			newCaches()
			logits := m.forward(ids(seq), caches, 0)
			for range n {
				next := lastArgmax(logits)
				seq = append(seq, next)
				switch {
				case !useCache:
					logits = m.forward(ids(seq[max(0, len(seq)-block):]), nil, 0)
				case caches[0].k.Size(2) >= block:
					newCaches()
					logits = m.forward(ids(seq[len(seq)-block/2:]), caches, 0)
				default:
					logits = m.forward(ids([]byte{next}), caches, caches[0].k.Size(2))
				}
			}
		})
	})
	if err != nil {
		return nil, fmt.Errorf("models: Generate: %w", err)
	}
	return seq[len(prompt):], nil
}

// lastArgmax returns the most likely next byte after the last position of
// logits [1, T, V] (the first of equal maxima, as torch.argmax).
func lastArgmax(logits *ember.Tensor) byte {
	row := logits.Select(1, logits.Size(1)-1).Reshape(-1).To(ember.CPU).Float32s()
	best := 0
	for i, v := range row {
		if v > row[best] {
			best = i
		}
	}
	return byte(best)
}
