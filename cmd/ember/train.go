package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"

	"github.com/spf13/cobra"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/data"
	"github.com/emberdl/ember/internal/atomicfile"
	"github.com/emberdl/ember/internal/parallel"
	"github.com/emberdl/ember/models"
	"github.com/emberdl/ember/nn"
	"github.com/emberdl/ember/optim"
	"github.com/emberdl/ember/train"
)

// trainOptions are the flags of "ember train".
type trainOptions struct {
	Model   string  `json:"model"`
	Dataset string  `json:"dataset"`
	Epochs  int     `json:"epochs"`
	Batch   int     `json:"batch"`
	LR      float64 `json:"lr"`
	// Schedule is the learning-rate schedule: "cosine" (decay to zero over
	// the run, per step) or "constant".
	Schedule string `json:"schedule"`
	Device   string `json:"-"`
	Seed     uint64 `json:"seed"`
	Out      string `json:"-"`
	Resume   bool   `json:"-"`
	Workers  int    `json:"-"`
	Threads  int    `json:"-"`
	DataDir  string `json:"-"`
	Offline  bool   `json:"-"`
	Label    string `json:"label,omitempty"`
	Limit    int    `json:"limit,omitempty"`
	Quiet    bool   `json:"-"`
	// Model sizes.
	Depth   int `json:"depth,omitempty"`
	Width   int `json:"width,omitempty"`
	Context int `json:"context,omitempty"`
	Layers  int `json:"layers,omitempty"`
	Heads   int `json:"heads,omitempty"`
	Embd    int `json:"embd,omitempty"`
}

func (a *app) trainCommand() *cobra.Command {
	o := &trainOptions{}
	cmd := &cobra.Command{
		Use:   "train",
		Short: "Train a model and save it with its history and training curves",
		Long: `Trains a model of the zoo. With no flags: the CNN on Fashion-MNIST for 10
epochs (Adam, learning rate 1e-3 decayed to zero on a cosine, batch 128) on
the best device found; that reaches about 91.5% test accuracy.

Datasets are looked up in --data-dir, $EMBER_DATA, the user cache and the
system's dataset packages (Debian's dataset-fashion-mnist), and downloaded
with checksum verification when missing (unless --offline). If an image
dataset cannot be had, training falls back to the Fashion-MNIST sample
embedded in ember, and says so. The test split is evaluated after every
epoch (as validation) and after training.

--out receives model.safetensors, history.csv, history.json, curves.png,
checkpoint.safetensors and run.json. Ctrl-C stops at the next step and
writes the checkpoint; the same command with --resume continues from it.

Text datasets (text:FILE) train gpt-char and report loss and perplexity;
CSV tables (csv:FILE, label in the last column or --label) train the MLP,
as a classifier for a categorical label or a regressor for a numeric one.
The last line printed is test_accuracy=... (test_loss=... for regression,
test_perplexity=... for text).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fl := cmd.Flags()
			return a.train(cmd.Context(), *o, fl.Changed("model"))
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Model, "model", "cnn", "model: mlp, cnn, resnet or gpt-char")
	f.StringVar(&o.Dataset, "dataset", "fashion-mnist", "dataset: fashion-mnist, mnist, cifar10, sample, csv:FILE or text:FILE")
	f.IntVar(&o.Epochs, "epochs", 10, "epochs to train")
	f.IntVar(&o.Batch, "batch", 0, "batch size (default 128; 16 for gpt-char)")
	f.Float64Var(&o.LR, "lr", 0, "learning rate (default 1e-3 with Adam; 3e-4 with AdamW for gpt-char)")
	f.StringVar(&o.Schedule, "schedule", "cosine", "learning-rate schedule: cosine (decays to zero over the run) or constant")
	f.StringVar(&o.Device, "device", "auto", "device: auto, cpu or cuda")
	f.Uint64Var(&o.Seed, "seed", 0, "random seed (initial weights, shuffling, splits)")
	f.StringVar(&o.Out, "out", "", "output directory (default runs/MODEL)")
	f.BoolVar(&o.Resume, "resume", false, "continue from the checkpoint in --out")
	f.IntVar(&o.Workers, "workers", 0, "goroutines preparing batches ahead of training (0: prepared in line)")
	f.IntVar(&o.Threads, "threads", 0, "compute threads of the CPU backend (default: GOMAXPROCS)")
	f.StringVar(&o.DataDir, "data-dir", "", "directory searched first for datasets")
	f.BoolVar(&o.Offline, "offline", false, "never download datasets")
	f.StringVar(&o.Label, "label", "", "CSV label column (default: the last column)")
	f.IntVar(&o.Limit, "limit", 0, "train on at most this many examples (0: all), for quick runs")
	f.BoolVar(&o.Quiet, "quiet", false, "no progress bar or log lines")
	f.IntVar(&o.Depth, "depth", 0, "resnet depth, 6n+2 (default 8)")
	f.IntVar(&o.Width, "width", 0, "resnet channels in the first stage (default 16)")
	f.IntVar(&o.Context, "context", 0, "gpt-char context length in bytes (default 128)")
	f.IntVar(&o.Layers, "layers", 0, "gpt-char transformer blocks (default 4)")
	f.IntVar(&o.Heads, "heads", 0, "gpt-char attention heads (default 4)")
	f.IntVar(&o.Embd, "embd", 0, "gpt-char model width (default 128)")
	return cmd
}

// check validates the numbers of the flags.
func (o *trainOptions) check() error {
	switch {
	case o.Epochs < 1:
		return usagef("--epochs must be at least 1, got %d", o.Epochs)
	case o.Batch < 0:
		return usagef("--batch must be positive, got %d", o.Batch)
	case o.Schedule != "cosine" && o.Schedule != "constant":
		return usagef("--schedule must be cosine or constant, got %q", o.Schedule)
	case o.LR < 0 || math.IsNaN(o.LR) || math.IsInf(o.LR, 0):
		return usagef("--lr must be a positive number, got %v", o.LR)
	case o.Workers < 0:
		return usagef("--workers must not be negative, got %d", o.Workers)
	case o.Threads < 0:
		return usagef("--threads must not be negative, got %d", o.Threads)
	case o.Limit < 0:
		return usagef("--limit must not be negative, got %d", o.Limit)
	}
	return o.checkSizes()
}

// checkSizes validates the model size flags.
func (o *trainOptions) checkSizes() error {
	for name, v := range map[string]int{"depth": o.Depth, "width": o.Width, "context": o.Context, "layers": o.Layers, "heads": o.Heads, "embd": o.Embd} {
		if v < 0 {
			return usagef("--%s must be positive, got %d", name, v)
		}
	}
	return nil
}

// modelConfig is the zoo configuration the size flags ask for.
func (o *trainOptions) modelConfig() models.Config {
	return models.Config{Depth: o.Depth, Width0: o.Width,
		GPT: models.GPTConfig{Layers: o.Layers, Heads: o.Heads, Embd: o.Embd, BlockSize: o.Context}}
}

// run is one training run's state.
type trainRun struct {
	o       trainOptions
	spec    *models.Spec
	data    *bundle
	info    *modelInfo
	model   nn.Layer
	device  ember.Device
	trainer *train.Trainer
	trainL  *data.Loader
	testL   *data.Loader
}

func (a *app) train(ctx context.Context, o trainOptions, modelSet bool) error {
	if err := o.check(); err != nil {
		return err
	}
	src, err := parseDataset(o.Dataset)
	if err != nil {
		return err
	}
	if !modelSet {
		switch src.kind {
		case "text":
			o.Model = "gpt-char"
		case "csv":
			o.Model = "mlp"
		}
	}
	spec, err := models.Lookup(o.Model)
	if err != nil {
		return usagef("--model: %v", err)
	}
	o.Model = spec.Name
	switch {
	case spec.Text && src.kind != "text":
		return usagef("--model %s is a language model: train it with --dataset text:FILE", spec.Name)
	case !spec.Text && src.kind == "text":
		return usagef("--dataset %s is text: train it with --model gpt-char", src)
	case src.kind == "csv" && spec.Name != "mlp":
		return usagef("--dataset %s is a table: train it with --model mlp", src)
	}
	if o.Out == "" {
		o.Out = filepath.Join("runs", spec.Name)
	}
	dev, err := resolveDevice(o.Device)
	if err != nil {
		return err
	}
	if o.Threads > 0 {
		parallel.SetWorkers(o.Threads)
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	if err := checkResume(o); err != nil {
		return err
	}
	r := &trainRun{o: o, spec: spec, device: dev}
	if err := r.setup(ctx, a, src); err != nil {
		return err
	}
	return r.fit(ctx, a)
}

// runFile records a run's options so that --resume can refuse to continue
// a checkpoint with different ones.
func runFile(o trainOptions) string { return filepath.Join(o.Out, "run.json") }

func checkResume(o trainOptions) error {
	ck := filepath.Join(o.Out, "checkpoint.safetensors")
	if !o.Resume {
		return writeRunFile(o)
	}
	if _, err := os.Stat(ck); err != nil {
		return fmt.Errorf("--resume: no checkpoint to continue in %s (%w)", o.Out, err)
	}
	raw, err := os.ReadFile(runFile(o))
	if err != nil {
		return fmt.Errorf("--resume: %w", err)
	}
	var prev trainOptions
	if err := json.Unmarshal(raw, &prev); err != nil {
		return fmt.Errorf("--resume: %s is not a run description: %w", runFile(o), err)
	}
	cur := o
	cur.Epochs, prev.Epochs = 0, 0 // training longer is allowed
	cur.Device, cur.Out, cur.Resume, cur.Workers, cur.Threads, cur.DataDir, cur.Offline, cur.Quiet = "", "", false, 0, 0, "", false, false
	if !reflect.DeepEqual(cur, prev) {
		pj, _ := json.Marshal(prev)
		cj, _ := json.Marshal(cur)
		return usagef("--resume: the checkpoint in %s was made with different options:\n  then: %s\n  now:  %s", o.Out, pj, cj)
	}
	return writeRunFile(o)
}

func writeRunFile(o trainOptions) error {
	return atomicfile.Write(runFile(o), 0o644, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(o)
	})
}

// setup loads the data and builds the model, optimizer and trainer.
func (r *trainRun) setup(ctx context.Context, a *app, src dataSource) error {
	o := r.o
	cfg := o.modelConfig()
	cfg.Generator = ember.NewGenerator(o.Seed)
	ember.ManualSeed(o.Seed)
	resolved := models.Resolved(cfg)
	b, err := loadData(ctx, src, dataOptions{dir: o.DataDir, offline: o.Offline, label: o.Label,
		context: resolved.GPT.BlockSize, seed: o.Seed})
	if err != nil {
		return err
	}
	fallback := b.source.kind == "sample" && src.kind != "sample"
	if b.note != "" && (!o.Quiet || fallback) {
		fmt.Fprintln(a.stderr, b.note)
	}
	if fallback {
		fmt.Fprintf(a.stdout, "note: training on the embedded Fashion-MNIST sample; %s was not available (see the message on stderr)\n", src)
	}
	r.data = b
	switch b.task {
	case taskClassify, taskRegress:
		switch len(b.inputShape) {
		case 3:
			cfg.InChannels, cfg.Height, cfg.Width = b.inputShape[0], b.inputShape[1], b.inputShape[2]
		case 1:
			cfg.InChannels, cfg.Height, cfg.Width = b.inputShape[0], 1, 1
		}
		cfg.NumClasses = max(1, len(b.classes))
	}
	m, err := models.New(o.Model, cfg)
	if err != nil {
		return err
	}
	if err := nn.To(m, r.device); err != nil {
		return err
	}
	r.model = m
	saved := models.Resolved(cfg)
	saved.Generator = nil
	r.info = &modelInfo{Model: o.Model, Config: saved, Dataset: b.source, DataName: b.name, Task: b.task,
		Classes: b.classes, InputShape: r.spec.InputShape(saved), CSV: b.csv}

	lr, batch := o.LR, o.Batch
	var opt optim.Optimizer
	if o.Model == "gpt-char" {
		lr, batch = orF(lr, 3e-4), orI(batch, 16)
		opt = optim.NewAdamW(nn.Parameters(m), optim.AdamOptions{LR: lr})
	} else {
		lr, batch = orF(lr, 1e-3), orI(batch, 128)
		opt = optim.NewAdam(nn.Parameters(m), optim.AdamOptions{LR: lr})
	}
	trainSet := b.train
	if o.Limit > 0 && o.Limit < trainSet.Len() {
		idx := make([]int, o.Limit)
		for i := range idx {
			idx[i] = i
		}
		trainSet = &data.Subset{Dataset: trainSet, Indices: idx}
	}
	r.trainL = &data.Loader{Dataset: trainSet, BatchSize: batch, Shuffle: true, Seed: o.Seed, Workers: o.Workers}
	if b.augment {
		r.trainL.Transform = data.OnInputs(data.Compose(data.RandomCrop(4), data.HorizontalFlip(0.5)))
	}
	evalBatch := 1000
	if b.task == taskText {
		evalBatch = batch
	}
	r.testL = &data.Loader{Dataset: b.test, BatchSize: evalBatch, Workers: o.Workers}
	t := &train.Trainer{Model: m, Optimizer: opt, Device: r.device, Out: a.stderr, Logger: a.logger(), Quiet: o.Quiet,
		CheckpointPath: filepath.Join(o.Out, "checkpoint.safetensors"), Resume: o.Resume}
	switch b.task {
	case taskClassify:
		t.Loss, t.Metrics = train.CrossEntropy, []train.Metric{train.NewAccuracy()}
	case taskRegress:
		t.Loss = train.MSE
	case taskText:
		t.Loss = lmLoss
	}
	if o.Schedule == "cosine" {
		// Cosine decay to zero over every optimizer step of the run.
		t.Scheduler = optim.NewCosineAnnealingLR(opt, o.Epochs*r.trainL.NumBatches(), 0)
		t.StepPerBatch = true
	}
	t.Callbacks = []train.Callback{&train.CSVLogger{Path: filepath.Join(o.Out, "history.csv")}}
	if a.afterStep != nil {
		t.Callbacks = append(t.Callbacks, stepHook(a.afterStep))
	}
	r.trainer = t
	if !o.Quiet {
		a.logger().Info("training", "model", o.Model, "params", nn.NumParams(m, false), "dataset", b.name,
			"train", trainSet.Len(), "test", b.test.Len(), "device", r.device.String(), "epochs", o.Epochs,
			"batch", batch, "lr", lr, "schedule", o.Schedule, "threads", parallel.Workers())
	}
	return nil
}

// lmLoss is the mean next-token cross-entropy of logits [B, T, V].
func lmLoss(out, target *ember.Tensor) *ember.Tensor {
	return ember.CrossEntropy(out.Reshape(-1, out.Size(out.Dim()-1)), target.Reshape(-1), nil)
}

// stepHook calls a function after every optimizer step.
type stepHook func(epoch, batch int)

// OnEpochEnd does nothing.
func (h stepHook) OnEpochEnd(*train.State) error { return nil }

// OnBatchEnd calls the hook.
func (h stepHook) OnBatchEnd(s *train.State) error {
	h(s.Epoch, s.Batch)
	return nil
}

func orF(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

func orI(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// fit trains, evaluates the test split, and writes the outputs.
func (r *trainRun) fit(ctx context.Context, a *app) error {
	o := r.o
	hist, err := r.trainer.Fit(ctx, r.trainL, r.testL, o.Epochs)
	if errors.Is(err, train.ErrInterrupted) {
		fmt.Fprintf(a.stdout, "interrupted; checkpoint saved to %s\nrun the same command with --resume to continue\n",
			r.trainer.CheckpointPath)
		return err
	}
	if err != nil {
		return err
	}
	res, err := r.trainer.Evaluate(ctx, r.testL)
	if err != nil {
		return fmt.Errorf("evaluating the test split: %w", err)
	}
	meta, err := r.info.metadata()
	if err != nil {
		return err
	}
	meta[metaTestLoss] = formatFloat(res["loss"])
	if acc, ok := res["accuracy"]; ok {
		meta[metaTestAcc] = formatFloat(acc)
	}
	modelPath := filepath.Join(o.Out, "model.safetensors")
	if err := nn.Save(modelPath, r.model, meta); err != nil {
		return err
	}
	files := map[string]func(io.Writer) error{"history.csv": hist.WriteCSV, "history.json": hist.WriteJSON, "curves.png": hist.WritePlot}
	for _, name := range []string{"history.csv", "history.json", "curves.png"} {
		if err := atomicfile.Write(filepath.Join(o.Out, name), 0o644, files[name]); err != nil {
			return fmt.Errorf("writing %s: %w", name, err)
		}
	}
	w := a.stdout
	fmt.Fprintf(w, "model:      %s\n", modelPath)
	fmt.Fprintf(w, "history:    %s, %s\n", filepath.Join(o.Out, "history.csv"), filepath.Join(o.Out, "history.json"))
	fmt.Fprintf(w, "curves:     %s\n", filepath.Join(o.Out, "curves.png"))
	fmt.Fprintf(w, "checkpoint: %s\n", r.trainer.CheckpointPath)
	if r.data.source.kind == "sample" {
		fmt.Fprintln(w, "dataset:    the embedded Fashion-MNIST sample (4000 training, 1000 test images), not the full dataset")
	}
	switch r.data.task {
	case taskText:
		if gpt, ok := r.model.(*models.GPTChar); ok {
			if s, err := sampleText(r.data, gpt); err == nil {
				fmt.Fprintf(w, "sample:     %q\n", s)
			}
		}
		fmt.Fprintf(w, "test_loss=%s\n", formatFloat(res["loss"]))
		fmt.Fprintf(w, "test_perplexity=%s\n", formatFloat(math.Exp(res["loss"])))
	case taskRegress:
		fmt.Fprintf(w, "test_loss=%s\n", formatFloat(res["loss"]))
	default:
		fmt.Fprintf(w, "test_loss=%s\n", formatFloat(res["loss"]))
		fmt.Fprintf(w, "test_accuracy=%s\n", formatFloat(res["accuracy"]))
	}
	return nil
}

// sampleText continues the first bytes of the test text greedily.
func sampleText(b *bundle, m *models.GPTChar) (string, error) {
	ex, err := b.test.Example(0)
	if err != nil {
		return "", err
	}
	ids := ex[0].Int64s()
	prompt := make([]byte, min(16, len(ids)))
	for i := range prompt {
		prompt[i] = byte(ids[i])
	}
	out, err := m.Generate(prompt, 64, true)
	return string(prompt) + string(out), err
}
