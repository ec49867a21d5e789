package models

import (
	"fmt"
	"slices"
	"strings"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/nn"
)

// Spec describes one architecture of the zoo.
type Spec struct {
	Name        string // registry name, such as "cnn"
	Description string // one line for help texts
	// Text is true for language models, whose inputs are token ids and
	// whose outputs are next-token logits.
	Text bool
	// InputShape gives the shape of one input example (no batch axis).
	InputShape func(cfg Config) []int
	build      func(cfg Config) (nn.Layer, error)
}

var registry = []*Spec{
	{Name: "mlp", Description: "MLP 784-512-256-10 with ReLU (mlp_fmnist.py)",
		InputShape: func(c Config) []int { return []int{c.InChannels * c.Height * c.Width} },
		build:      func(c Config) (nn.Layer, error) { return NewMLP(c), nil }},
	{Name: "cnn", Description: "two conv-ReLU-pool stages and two linear layers (cnn_fmnist.py)",
		InputShape: imageShape,
		build: func(c Config) (nn.Layer, error) {
			if c.Height < 4 || c.Width < 4 {
				return nil, fmt.Errorf("models: the CNN needs images of at least 4×4 pixels, got %d×%d", c.Height, c.Width)
			}
			return NewCNN(c), nil
		}},
	{Name: "resnet", Description: "CIFAR-style ResNet of depth 6n+2 with BasicBlocks and BatchNorm",
		InputShape: imageShape,
		build: func(c Config) (nn.Layer, error) {
			if (c.Depth-2)%6 != 0 || c.Depth < 8 {
				return nil, fmt.Errorf("models: ResNet depth must be 6n+2 with n ≥ 1 (8, 14, 20, 32, ...), got %d", c.Depth)
			}
			return NewResNet(c), nil
		}},
	{Name: "gpt-char", Description: "byte-level GPT-2-style decoder (gpt_char.py)", Text: true,
		InputShape: func(c Config) []int { return []int{c.GPT.BlockSize} },
		build:      func(c Config) (nn.Layer, error) { return NewGPTChar(c.GPT, c.Generator), nil }},
}

func imageShape(c Config) []int { return []int{c.InChannels, c.Height, c.Width} }

// Names returns the registry's names in order.
func Names() []string {
	out := make([]string, len(registry))
	for i, s := range registry {
		out[i] = s.Name
	}
	return out
}

// Lookup returns the spec of a registry name (case-insensitive; "gpt" and
// "gpt_char" are accepted for "gpt-char").
func Lookup(name string) (*Spec, error) {
	n := strings.ReplaceAll(strings.ToLower(name), "_", "-")
	if n == "gpt" {
		n = "gpt-char"
	}
	for _, s := range registry {
		if s.Name == n {
			return s, nil
		}
	}
	return nil, fmt.Errorf("models: unknown model %q (known: %s)", name, strings.Join(Names(), ", "))
}

// New builds the named model from cfg (zero fields take their defaults).
func New(name string, cfg Config) (nn.Layer, error) {
	s, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if err := cfg.check(); err != nil {
		return nil, err
	}
	var m nn.Layer
	var buildErr error
	if err := ember.Catch(func() { m, buildErr = s.build(cfg) }); err != nil {
		return nil, fmt.Errorf("models: building %s: %w", s.Name, err)
	}
	return m, buildErr
}

// InputShape returns the shape of one input example of the named model
// (no batch axis): [C, H, W] for the image models, [C*H*W] for the MLP and
// [block_size] token ids for gpt-char.
func InputShape(name string, cfg Config) ([]int, error) {
	s, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	return slices.Clone(s.InputShape(cfg.withDefaults())), nil
}

// Resolved returns cfg with its defaults filled in, as New uses it.
func Resolved(cfg Config) Config { return cfg.withDefaults() }
