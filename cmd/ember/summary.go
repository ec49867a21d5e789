package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/emberdl/ember/models"
	"github.com/emberdl/ember/nn"
)

// summaryOptions are the flags of "ember summary".
type summaryOptions struct {
	trainOptions
	ModelFile string
}

func (a *app) summaryCommand() *cobra.Command {
	o := &summaryOptions{}
	cmd := &cobra.Command{
		Use:   "summary [--model NAME | --model-file FILE]",
		Short: "Print a model's layers, output shapes and parameter counts",
		Long: `Prints the Keras-style table of nn.Summary for a model of the zoo (with the
size flags of "ember train") or for a saved model file, for one input
example (batch 1) of the model's input shape.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.summary(*o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.Model, "model", "cnn", "model: mlp, cnn, resnet or gpt-char")
	f.StringVar(&o.ModelFile, "model-file", "", "summarise a model written by ember train instead")
	f.IntVar(&o.Depth, "depth", 0, "resnet depth, 6n+2 (default 8)")
	f.IntVar(&o.Width, "width", 0, "resnet channels in the first stage (default 16)")
	f.IntVar(&o.Context, "context", 0, "gpt-char context length (default 128)")
	f.IntVar(&o.Layers, "layers", 0, "gpt-char transformer blocks (default 4)")
	f.IntVar(&o.Heads, "heads", 0, "gpt-char attention heads (default 4)")
	f.IntVar(&o.Embd, "embd", 0, "gpt-char model width (default 128)")
	return cmd
}

func (a *app) summary(o summaryOptions) error {
	if err := o.checkSizes(); err != nil {
		return err
	}
	var m nn.Layer
	name, cfg := o.Model, o.modelConfig()
	if o.ModelFile != "" {
		var mi *modelInfo
		var err error
		if m, mi, err = loadModelFile(o.ModelFile); err != nil {
			return err
		}
		name, cfg = mi.Model, mi.Config
	} else {
		spec, err := models.Lookup(o.Model)
		if err != nil {
			return usagef("--model: %v", err)
		}
		name = spec.Name
		if m, err = models.New(name, cfg); err != nil {
			return usagef("%v", err)
		}
	}
	shape, err := models.InputShape(name, cfg)
	if err != nil {
		return err
	}
	table, err := nn.Summary(m, append([]int{1}, shape...)...)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s, input %v\n%s", name, shape, table)
	return nil
}
