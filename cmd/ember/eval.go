package main

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/spf13/cobra"

	"github.com/emberdl/ember/data"
	"github.com/emberdl/ember/nn"
	"github.com/emberdl/ember/train"
)

// evalOptions are the flags of "ember eval".
type evalOptions struct {
	ModelFile string
	Dataset   string
	Batch     int
	Device    string
	DataDir   string
	Offline   bool
}

func (a *app) evalCommand() *cobra.Command {
	o := &evalOptions{}
	cmd := &cobra.Command{
		Use:   "eval --model-file FILE",
		Short: "Report the test loss and accuracy of a saved model",
		Long: `Evaluates a model written by "ember train" on the test split of its
dataset (the one recorded in the model file unless --dataset names another
with the same image size and classes). For a CSV model every row of the
file is evaluated; for a text model, the last 10% of the text.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.eval(cmd.Context(), *o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.ModelFile, "model-file", "", "model written by ember train (required)")
	f.StringVar(&o.Dataset, "dataset", "", "dataset (default: the one the model was trained on)")
	f.IntVar(&o.Batch, "batch", 1000, "batch size")
	f.StringVar(&o.Device, "device", "auto", "device: auto, cpu or cuda")
	f.StringVar(&o.DataDir, "data-dir", "", "directory searched first for datasets")
	f.BoolVar(&o.Offline, "offline", false, "never download datasets")
	return cmd
}

func (a *app) eval(ctx context.Context, o evalOptions) error {
	if o.Batch < 1 {
		return usagef("--batch must be at least 1, got %d", o.Batch)
	}
	m, mi, err := loadModelFile(o.ModelFile)
	if err != nil {
		return err
	}
	dev, err := resolveDevice(o.Device)
	if err != nil {
		return err
	}
	if err := nn.To(m, dev); err != nil {
		return err
	}
	src := mi.Dataset
	if o.Dataset != "" {
		if src, err = parseDataset(o.Dataset); err != nil {
			return err
		}
	}
	dopts := dataOptions{dir: o.DataDir, offline: o.Offline, context: mi.Config.GPT.BlockSize}
	var b *bundle
	switch {
	case src.kind == "csv":
		if mi.CSV == nil {
			return usagef("--dataset %s: the model was not trained on a CSV table", src)
		}
		b, err = loadCSV(src, dopts, mi.CSV)
	case (src.kind == "text") != (mi.Task == taskText):
		return usagef("--dataset %s does not suit a %s model", src, mi.Task)
	case mi.CSV != nil:
		return usagef("--dataset %s: the model reads CSV rows; give --dataset csv:FILE", src)
	default:
		b, err = loadData(ctx, src, dopts)
	}
	if err != nil {
		return err
	}
	if b.note != "" && b.source.kind == "sample" && src.kind != "sample" {
		fmt.Fprintln(a.stderr, b.note)
	}
	if b.task == taskClassify {
		if !slices.Equal(b.inputShape, mi.InputShape) && product(b.inputShape) != product(mi.InputShape) {
			return fmt.Errorf("dataset %s has inputs of shape %v, the model takes %v", b.name, b.inputShape, mi.InputShape)
		}
		if len(b.classes) != len(mi.Classes) {
			return fmt.Errorf("dataset %s has %d classes, the model %d", b.name, len(b.classes), len(mi.Classes))
		}
	}
	t := &train.Trainer{Model: m, Device: dev, Quiet: true}
	switch mi.Task {
	case taskClassify:
		t.Loss, t.Metrics = train.CrossEntropy, []train.Metric{train.NewAccuracy()}
	case taskRegress:
		t.Loss = train.MSE
	default:
		t.Loss = lmLoss
	}
	res, err := t.Evaluate(ctx, &data.Loader{Dataset: b.test, BatchSize: o.Batch})
	if err != nil {
		return fmt.Errorf("evaluating %s on %s: %w", o.ModelFile, b.name, err)
	}
	fmt.Fprintf(a.stdout, "model %s (%s) on %s: %d test examples\n", o.ModelFile, mi.Model, b.name, b.test.Len())
	fmt.Fprintf(a.stdout, "test_loss=%s\n", formatFloat(res["loss"]))
	switch mi.Task {
	case taskClassify:
		fmt.Fprintf(a.stdout, "test_accuracy=%s\n", formatFloat(res["accuracy"]))
	case taskText:
		fmt.Fprintf(a.stdout, "test_perplexity=%s\n", formatFloat(math.Exp(res["loss"])))
	}
	return nil
}

func product(s []int) int {
	p := 1
	for _, v := range s {
		p *= v
	}
	return p
}
