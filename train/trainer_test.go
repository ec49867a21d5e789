package train

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/data"
	"github.com/emberdl/ember/nn"
	"github.com/emberdl/ember/optim"
)

// mlp is a small classifier for tests.
type mlp struct {
	FC1  *nn.Linear
	Drop *dropout
	FC2  *nn.Linear
}

type dropout struct{ nn.Mode }

func (d *dropout) Forward(x *ember.Tensor) *ember.Tensor {
	return ember.Dropout(x, 0.1, d.Training())
}

func (m *mlp) Forward(x *ember.Tensor) *ember.Tensor {
	return m.FC2.Forward(m.Drop.Forward(m.FC1.Forward(x).Relu()))
}

func newMLP(seed uint64) *mlp {
	g := ember.NewGenerator(seed)
	return &mlp{FC1: nn.NewLinear(2, 16, true, g), Drop: &dropout{}, FC2: nn.NewLinear(16, 3, true, g)}
}

// blobs returns three separable clusters in 2-D.
func blobs(n int, seed uint64) *data.TensorDataset {
	g := ember.NewGenerator(seed)
	y := ember.RandInt(0, 3, []int{n}, g)
	centers := ember.From([][]float32{{2, 0}, {-2, 2}, {-2, -2}})
	x := centers.IndexSelect(0, y).Add(ember.Randn([]int{n, 2}, g).MulScalar(0.5))
	d, err := data.NewTensorDataset(x, y)
	if err != nil {
		panic(err)
	}
	return d
}

func quietTrainer(m *mlp, opt optim.Optimizer) *Trainer {
	return &Trainer{Model: m, Loss: CrossEntropy, Optimizer: opt, Metrics: []Metric{NewAccuracy()},
		Quiet: true, Device: ember.CPU}
}

func TestFitLearnsAndLogs(t *testing.T) {
	m := newMLP(1)
	opt := optim.NewAdam(nn.Parameters(m), optim.AdamOptions{LR: 0.05})
	tr := quietTrainer(m, opt)
	es := &EarlyStopping{Monitor: "val_accuracy", Patience: 100}
	dir := t.TempDir()
	tr.Callbacks = []Callback{es, &ModelCheckpoint{Dir: dir, SaveBest: true, SaveLast: true}, &CSVLogger{Path: filepath.Join(dir, "h.csv")}}
	trainL := &data.Loader{Dataset: blobs(600, 2), BatchSize: 32, Shuffle: true, Seed: 3}
	valL := &data.Loader{Dataset: blobs(200, 4), BatchSize: 100}
	hist, err := tr.Fit(context.Background(), trainL, valL, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist.Epochs) != 5 {
		t.Fatalf("%d epochs logged", len(hist.Epochs))
	}
	acc, _ := hist.Last("val_accuracy")
	if acc < 0.95 {
		t.Fatalf("validation accuracy %v after 5 epochs on separable blobs", acc)
	}
	loss := hist.Series("loss")
	if !(loss[4] < loss[0]) {
		t.Fatalf("training loss did not fall: %v", loss)
	}
	for _, k := range []string{"loss", "accuracy", "val_loss", "val_accuracy", "lr", "epoch_time"} {
		if _, ok := hist.Last(k); !ok {
			t.Errorf("history lacks %q", k)
		}
	}
	for _, f := range []string{"best.safetensors", "last.safetensors", "h.csv"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("callback output %s: %v", f, err)
		}
	}
	csv, _ := os.ReadFile(filepath.Join(dir, "h.csv"))
	if lines := strings.Count(string(csv), "\n"); lines != 6 || !strings.HasPrefix(string(csv), "epoch,") {
		t.Errorf("CSV log:\n%s", csv)
	}
	var buf bytes.Buffer
	if err := hist.WritePlot(&buf); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil || img.Bounds().Dx() < 400 {
		t.Fatalf("plot: %v %v", err, img)
	}
	var js bytes.Buffer
	if err := hist.WriteJSON(&js); err != nil || !strings.Contains(js.String(), `"val_accuracy"`) {
		t.Fatalf("json: %v %s", err, js.String())
	}
	// Evaluate and Predict agree with the logged validation accuracy.
	ev, err := tr.Evaluate(context.Background(), valL)
	if err != nil {
		t.Fatal(err)
	}
	pred, err := tr.Predict(context.Background(), valL)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(pred.Shape(), []int{200, 3}) {
		t.Fatalf("predict shape %v", pred.Shape())
	}
	right := pred.Argmax(1).Eq(valL.Dataset.(*data.TensorDataset).Tensors[1]).Sum().Item()
	if math.Abs(right/200-ev["accuracy"]) > 1e-9 || math.Abs(ev["accuracy"]-acc) > 1e-9 {
		t.Fatalf("evaluate %v, predict %v, logged %v", ev["accuracy"], right/200, acc)
	}
}

func TestEarlyStoppingStops(t *testing.T) {
	m := newMLP(1)
	tr := quietTrainer(m, optim.NewSGD(nn.Parameters(m), optim.SGDOptions{LR: 1e-9}))
	es := &EarlyStopping{Monitor: "val_loss", Patience: 1, MinDelta: 1, RestoreBest: true}
	tr.Callbacks = []Callback{es}
	l := &data.Loader{Dataset: blobs(64, 2), BatchSize: 32}
	hist, err := tr.Fit(context.Background(), l, l, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist.Epochs) != 3 || es.BestEpoch() != 1 {
		t.Fatalf("stopped after %d epochs, best %d", len(hist.Epochs), es.BestEpoch())
	}
	if _, err := tr.Fit(context.Background(), l, nil, 1); err == nil {
		t.Fatal("EarlyStopping on a missing val_loss must fail")
	}
}

// cancelAt cancels a context after a number of optimizer steps.
type cancelAt struct {
	n, seen int
	cancel  context.CancelFunc
}

func (c *cancelAt) OnEpochEnd(*State) error { return nil }
func (c *cancelAt) OnBatchEnd(*State) error {
	c.seen++
	if c.seen == c.n {
		c.cancel()
	}
	return nil
}

func TestInterruptAndResumeIsExact(t *testing.T) {
	run := func(interruptAfter int) (*History, []float32) {
		dir := t.TempDir()
		ck := filepath.Join(dir, "ck.safetensors")
		ember.ManualSeed(11)
		m := newMLP(5)
		opt := optim.NewAdamW(nn.Parameters(m), optim.AdamOptions{LR: 0.01})
		sched := optim.NewStepLR(opt, 2, 0.5)
		tr := quietTrainer(m, opt)
		tr.Scheduler, tr.CheckpointPath, tr.ClipGradNorm = sched, ck, 1
		l := &data.Loader{Dataset: blobs(300, 2), BatchSize: 32, Shuffle: true, Seed: 9, Workers: 2,
			Transform: func(b []*ember.Tensor, g *ember.Generator) ([]*ember.Tensor, error) {
				return []*ember.Tensor{b[0].Add(ember.Randn(b[0].Shape(), g).MulScalar(0.01)), b[1]}, nil
			}}
		if interruptAfter > 0 {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			tr.Callbacks = []Callback{&cancelAt{n: interruptAfter, cancel: cancel}}
			_, err := tr.Fit(ctx, l, l, 4)
			if !errors.Is(err, ErrInterrupted) {
				t.Fatalf("interrupted Fit: %v", err)
			}
			// A fresh process: new model, optimizer and schedule, same settings.
			ember.ManualSeed(999) // must be overwritten by the checkpoint
			m = newMLP(77)
			opt = optim.NewAdamW(nn.Parameters(m), optim.AdamOptions{LR: 0.01})
			tr = quietTrainer(m, opt)
			tr.Scheduler, tr.CheckpointPath, tr.ClipGradNorm, tr.Resume = optim.NewStepLR(opt, 2, 0.5), ck, 1, true
		}
		h, err := tr.Fit(context.Background(), l, l, 4)
		if err != nil {
			t.Fatal(err)
		}
		return h, m.FC2.Weight.Float32s()
	}
	h1, w1 := run(0)
	h2, w2 := run(13) // mid-epoch 2 (10 batches per epoch)
	if !slices.Equal(w1, w2) {
		t.Fatalf("weights differ after resuming:\n%v\n%v", w1[:4], w2[:4])
	}
	for _, k := range []string{"loss", "accuracy", "val_loss", "lr"} {
		if a, b := h1.Series(k), h2.Series(k); !slices.Equal(a, b) {
			t.Errorf("%s differs: %v vs %v", k, a, b)
		}
	}
}

func TestGradientAccumulationMatchesBigBatch(t *testing.T) {
	train := func(bs, accum int) []float32 {
		m := newMLP(3)
		m.Drop = &dropout{}
		nn.Eval(m.Drop) // no randomness
		opt := optim.NewSGD(nn.Parameters(m), optim.SGDOptions{LR: 0.1})
		tr := quietTrainer(m, opt)
		tr.AccumulateSteps = accum
		tr.Model = evalDrop{m}
		l := &data.Loader{Dataset: blobs(64, 2), BatchSize: bs}
		if _, err := tr.Fit(context.Background(), l, nil, 1); err != nil {
			t.Fatal(err)
		}
		return m.FC1.Weight.Float32s()
	}
	a, b := train(32, 1), train(16, 2)
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > 1e-6 {
			t.Fatalf("element %d: batch 32 gives %v, 2×16 accumulated %v", i, a[i], b[i])
		}
	}
}

// evalDrop runs the MLP with dropout off even in training mode.
type evalDrop struct{ *mlp }

func (e evalDrop) Forward(x *ember.Tensor) *ember.Tensor {
	return e.FC2.Forward(e.FC1.Forward(x).Relu())
}

func TestProgressLinesWhenNotATerminal(t *testing.T) {
	var logs bytes.Buffer
	m := newMLP(1)
	tr := &Trainer{Model: m, Loss: CrossEntropy, Optimizer: optim.NewAdam(nn.Parameters(m), optim.AdamOptions{}),
		Out: io.Discard, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	l := &data.Loader{Dataset: blobs(64, 2), BatchSize: 32}
	if _, err := tr.Fit(context.Background(), l, nil, 2); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "epoch 2/2") || !strings.Contains(logs.String(), "loss=") {
		t.Fatalf("log lines:\n%s", logs.String())
	}
}

func TestMetrics(t *testing.T) {
	out := ember.From([][]float32{{0.1, 0.9, 0}, {0.8, 0.1, 0.1}, {0.2, 0.3, 0.5}, {0.6, 0.3, 0.1}})
	y := ember.FromSlice([]int64{1, 0, 1, 2})
	acc := NewAccuracy()
	acc.Update(out, y)
	if acc.Value() != 0.5 {
		t.Errorf("accuracy %v", acc.Value())
	}
	top2 := NewTopK(2)
	top2.Update(out, y)
	if top2.Value() != 0.75 {
		t.Errorf("top-2 %v", top2.Value())
	}
	cm := NewConfusionMatrix(3)
	cm.Update(out, y)
	want := [][]int{{1, 0, 0}, {0, 1, 1}, {1, 0, 0}}
	for i := range want {
		if !slices.Equal(cm.Matrix()[i], want[i]) {
			t.Fatalf("confusion %v, want %v", cm.Matrix(), want)
		}
	}
	p, r, f := cm.PerClass()
	if p[0] != 0.5 || r[1] != 0.5 || f[2] != 0 {
		t.Errorf("per class p %v r %v f %v", p, r, f)
	}
	f1 := NewF1(3)
	f1.Update(out, y)
	if got := f1.Value(); math.Abs(got-(2.0/3+2.0/3+0)/3) > 1e-12 {
		t.Errorf("macro F1 %v", got)
	}
}

func TestHandWrittenLoopCheckpoint(t *testing.T) {
	m := newMLP(2)
	opt := optim.NewSGD(nn.Parameters(m), optim.SGDOptions{LR: 0.1, Momentum: 0.9})
	tr := quietTrainer(m, opt)
	l := &data.Loader{Dataset: blobs(64, 2), BatchSize: 32}
	if _, err := tr.Fit(context.Background(), l, nil, 1); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ck.safetensors")
	if err := tr.SaveCheckpoint(path, 2, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Fit(context.Background(), l, nil, 1); err != nil {
		t.Fatal(err)
	}
	// A second trainer restored from the checkpoint (weights, momentum
	// buffers and the generator driving dropout) repeats that epoch exactly.
	m2 := newMLP(9)
	tr2 := quietTrainer(m2, optim.NewSGD(nn.Parameters(m2), optim.SGDOptions{LR: 0.1, Momentum: 0.9}))
	epoch, batch, _, err := tr2.LoadCheckpoint(path)
	if err != nil || epoch != 2 || batch != 0 {
		t.Fatalf("load: epoch %d batch %d err %v", epoch, batch, err)
	}
	if _, err := tr2.Fit(context.Background(), l, nil, 1); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.FC2.Weight.Float32s(), m2.FC2.Weight.Float32s()) {
		t.Fatal("runs diverged after loading the checkpoint")
	}
	if _, _, _, err := tr2.LoadCheckpoint(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Fatal("missing checkpoint must fail")
	}
}
