package models

import (
	"fmt"

	"github.com/emberdl/ember"
)

// Config sizes a model of the zoo. Zero fields take the defaults noted;
// it is stored as JSON in saved models' metadata, so that a model file
// says how to rebuild its architecture.
type Config struct {
	// InChannels, Height and Width are the image input (defaults 1, 28, 28:
	// Fashion-MNIST). The MLP takes the flattened image.
	InChannels int `json:"in_channels,omitempty"`
	Height     int `json:"height,omitempty"`
	Width      int `json:"width,omitempty"`
	// NumClasses is the number of output classes (default 10).
	NumClasses int `json:"num_classes,omitempty"`

	// Depth is the ResNet's depth, 6n+2 (default 8: one block per stage;
	// 20 is the classic CIFAR ResNet-20).
	Depth int `json:"depth,omitempty"`
	// Width0 is the channel count of the ResNet's first stage; the second
	// and third have twice and four times as many (default 16).
	Width0 int `json:"width0,omitempty"`

	// GPT sizes the char-level GPT (defaults: gpt_char.py's).
	GPT GPTConfig `json:"gpt,omitzero"`

	// Generator, when set, draws the initial parameters (default: Ember's
	// default generator).
	Generator *ember.Generator `json:"-"`
}

// GPTConfig sizes GPTChar. Zero fields take gpt_char.py's values.
type GPTConfig struct {
	Layers    int `json:"n_layer,omitempty"`    // transformer blocks (default 4)
	Heads     int `json:"n_head,omitempty"`     // attention heads (default 4)
	Embd      int `json:"n_embd,omitempty"`     // model width (default 128)
	BlockSize int `json:"block_size,omitempty"` // context length (default 128)
	Vocab     int `json:"vocab,omitempty"`      // vocabulary: bytes (default 256)
}

// withDefaults fills the zero fields.
func (c Config) withDefaults() Config {
	c.InChannels = orDefault(c.InChannels, 1)
	c.Height = orDefault(c.Height, 28)
	c.Width = orDefault(c.Width, 28)
	c.NumClasses = orDefault(c.NumClasses, 10)
	c.Depth = orDefault(c.Depth, 8)
	c.Width0 = orDefault(c.Width0, 16)
	c.GPT = c.GPT.withDefaults()
	return c
}

// withDefaults fills the zero fields with gpt_char.py's values.
func (c GPTConfig) withDefaults() GPTConfig {
	c.Layers = orDefault(c.Layers, 4)
	c.Heads = orDefault(c.Heads, 4)
	c.Embd = orDefault(c.Embd, 128)
	c.BlockSize = orDefault(c.BlockSize, 128)
	c.Vocab = orDefault(c.Vocab, 256)
	return c
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// check reports sizes that cannot build a model.
func (c Config) check() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"in_channels", c.InChannels}, {"height", c.Height}, {"width", c.Width}, {"num_classes", c.NumClasses},
		{"depth", c.Depth}, {"width0", c.Width0}} {
		if f.v < 1 {
			return fmt.Errorf("models: %s must be positive, got %d", f.name, f.v)
		}
	}
	return c.GPT.check()
}

func (c GPTConfig) check() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"n_layer", c.Layers}, {"n_head", c.Heads}, {"n_embd", c.Embd}, {"block_size", c.BlockSize}, {"vocab", c.Vocab}} {
		if f.v < 1 {
			return fmt.Errorf("models: GPT %s must be positive, got %d", f.name, f.v)
		}
	}
	if c.Embd%c.Heads != 0 {
		return fmt.Errorf("models: GPT n_embd %d is not divisible by n_head %d", c.Embd, c.Heads)
	}
	return nil
}
