package main

import (
	"context"
	"fmt"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/models"
	"github.com/emberdl/ember/nn"
	"github.com/emberdl/ember/optim"
)

// gpt2Config sizes the gpt2_small workload (bench/pytorch/gpt2_small.py).
type gpt2Config struct {
	Layers, Heads, Embd, Block, Vocab int
	Batch, Steps, Warmup              int
	// DType is the autocast dtype of the step ("bfloat16"; "float32" runs
	// without autocast).
	DType string
	// PeakTFLOPs is the device's dense peak for DType, for the MFU.
	PeakTFLOPs float64
}

// defaultGPT2 is GPT-2 small (124M parameters) at its full context, as
// gpt2_small.py: bfloat16 autocast, batch 8, 3 warm-up and 10 timed steps.
// 989 TFLOP/s is the H100/H200 SXM's dense bfloat16 peak.
var defaultGPT2 = gpt2Config{Layers: 12, Heads: 12, Embd: 768, Block: 1024, Vocab: 50257,
	Batch: 8, Steps: 13, Warmup: 3, DType: "bfloat16", PeakTFLOPs: 989}

// benchGPT2 is gpt2_small.py: training steps of a GPT-2-small-shaped model
// (the char-GPT architecture with GPT-2's sizes and vocabulary) on random
// tokens, AdamW 3e-4, in tokens/s and model FLOPs utilisation: 6·N + 12·L·C·T
// FLOPs per token (N the parameters less the position embeddings), as
// nanoGPT's estimate_mfu counts them.
func benchGPT2(ctx context.Context, e *emitter, dev ember.Device, c benchConfig) error {
	g2 := c.GPT2
	ember.ManualSeed(0)
	gcfg := models.GPTConfig{Layers: g2.Layers, Heads: g2.Heads, Embd: g2.Embd, BlockSize: g2.Block, Vocab: g2.Vocab}
	m := models.NewGPTChar(gcfg, ember.NewGenerator(0))
	if err := nn.To(m, dev); err != nil {
		return err
	}
	var amp ember.DType
	switch g2.DType {
	case "bfloat16":
		amp = ember.BFloat16
	case "float16":
		amp = ember.Float16
	case "float32":
		amp = ember.Float32
	default:
		return fmt.Errorf("gpt2_small: unknown dtype %q", g2.DType)
	}
	opt := optim.NewAdamW(nn.Parameters(m), optim.AdamOptions{LR: 3e-4})
	params := nn.NumParams(m, false)
	flopsPerToken := 6*float64(params-g2.Block*g2.Embd) + 12*float64(g2.Layers*g2.Embd*g2.Block)
	cfg := object{{"n_layer", g2.Layers}, {"n_head", g2.Heads}, {"n_embd", g2.Embd}, {"block_size", g2.Block},
		{"vocab", g2.Vocab}, {"batch", g2.Batch}, {"dtype", g2.DType}, {"steps", g2.Steps}, {"params", params}}
	gen := ember.NewGenerator(0)
	e.markStart()
	losses, dt, err := trainSteps(ctx, dev, g2.Steps, g2.Warmup, func() *ember.Tensor {
		x := ember.RandInt(0, int64(g2.Vocab), []int{g2.Batch, g2.Block}, gen).To(dev)
		y := ember.RandInt(0, int64(g2.Vocab), []int{g2.Batch, g2.Block}, gen).To(dev)
		var loss *ember.Tensor
		ember.Autocast(amp, func() { loss = lmLoss(m.Forward(x), y) })
		return loss
	}, opt)
	if err != nil {
		return err
	}
	timed := float64(g2.Steps - g2.Warmup)
	tps := timed * float64(g2.Batch*g2.Block) / dt
	extra := []field{{"step_ms", dt / timed * 1e3}, {"note", fmt.Sprintf("steps after the first %d; random tokens", g2.Warmup)}}
	if ms, ok := ember.MemoryStats(dev); ok {
		extra = append(extra, field{"peak_reserved_gib", float64(ms.PeakReserved) / (1 << 30)},
			field{"peak_allocated_gib", float64(ms.PeakAllocated) / (1 << 30)},
			field{"gc_collections", ms.Collections}, field{"oom_recoveries", ms.OOMHooks})
	}
	if err := e.emit("gpt2_small", cfg, "train_throughput", tps, "tokens/s", extra...); err != nil {
		return err
	}
	if err := e.emit("gpt2_small", cfg, "mfu", tps*flopsPerToken/(g2.PeakTFLOPs*1e12), "fraction",
		field{"flops_per_token", flopsPerToken}, field{"peak_tflops", g2.PeakTFLOPs},
		field{"note", "(6N + 12·L·C·T) FLOPs per token over the dense peak"}); err != nil {
		return err
	}
	return e.emit("gpt2_small", cfg, "train_loss", losses[len(losses)-1], "nats/token",
		field{"first_loss", losses[0]}, field{"note", "last step (random tokens: about ln(vocab))"})
}
