package main

import (
	"fmt"
	"math"
	"sort"

	"github.com/spf13/cobra"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/nn"
)

// predictOptions are the flags of "ember predict".
type predictOptions struct {
	ModelFile string
	Top       int
	Invert    string
	Device    string
}

func (a *app) predictCommand() *cobra.Command {
	o := &predictOptions{}
	cmd := &cobra.Command{
		Use:   "predict --model-file FILE IMAGE...",
		Short: "Classify images with a saved model and print the top classes",
		Long: `Reads PNG, JPEG or GIF images, prepares them as the model's training data
looked (scaled to fit the model's input size keeping the aspect ratio, grey
or RGB as the model needs, values in [0, 1]) and prints the top classes
with their probabilities.

Fashion-MNIST and MNIST show light objects on a black background. With
--invert auto (the default) a grey image whose one-pixel border is brighter
than 50% after scaling is taken as dark-on-light (a photo on white paper)
and inverted; --invert always or never overrides the rule.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("predict needs at least one image file")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return a.predict(*o, args) },
	}
	f := cmd.Flags()
	f.StringVar(&o.ModelFile, "model-file", "", "model written by ember train (required)")
	f.IntVar(&o.Top, "top", 3, "how many classes to print per image")
	f.StringVar(&o.Invert, "invert", "auto", "invert grey images: auto, always or never")
	f.StringVar(&o.Device, "device", "auto", "device: auto, cpu or cuda")
	return cmd
}

func (a *app) predict(o predictOptions, files []string) error {
	if o.Top < 1 {
		return usagef("--top must be at least 1, got %d", o.Top)
	}
	switch o.Invert {
	case "auto", "always", "never":
	default:
		return usagef("--invert must be auto, always or never, got %q", o.Invert)
	}
	m, mi, err := loadModelFile(o.ModelFile)
	if err != nil {
		return err
	}
	if mi.Task != taskClassify {
		return fmt.Errorf("model file %s is a %s model; predict classifies images", o.ModelFile, mi.Task)
	}
	if mi.CSV != nil {
		return fmt.Errorf("model file %s reads CSV rows, not images; use ember eval --dataset csv:FILE", o.ModelFile)
	}
	dev, err := resolveDevice(o.Device)
	if err != nil {
		return err
	}
	if err := nn.To(m, dev); err != nil {
		return err
	}
	cfg := mi.Config
	nn.Eval(m)
	for _, path := range files {
		x, inverted, err := loadImage(path, cfg.InChannels, cfg.Height, cfg.Width, invertMode(o.Invert))
		if err != nil {
			return err
		}
		var probs []float32
		err = ember.Catch(func() {
			ember.NoGrad(func() {
				probs = m.Forward(x.Unsqueeze(0).To(dev)).Softmax(1).To(ember.CPU).Float32s()
			})
		})
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		order := make([]int, len(probs))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(i, j int) bool { return probs[order[i]] > probs[order[j]] })
		note := ""
		if inverted {
			note = " (inverted: dark on light)"
		}
		fmt.Fprintf(a.stdout, "%s%s\n", path, note)
		for k, c := range order[:min(o.Top, len(order))] {
			name := fmt.Sprint(c)
			if c < len(mi.Classes) {
				name = mi.Classes[c]
			}
			fmt.Fprintf(a.stdout, "  %d. %-14s %6.2f%%\n", k+1, name, 100*float64(probs[c]))
		}
		if math.IsNaN(float64(probs[order[0]])) {
			return fmt.Errorf("%s: the model's output is not a number", path)
		}
	}
	return nil
}
