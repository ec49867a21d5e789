package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"time"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/data"
	"github.com/emberdl/ember/nn"
	"github.com/emberdl/ember/optim"
)

// LossFunc computes a scalar loss from a model's output and the targets.
type LossFunc func(output, target *ember.Tensor) *ember.Tensor

// CrossEntropy is the usual classification loss (mean over the batch).
func CrossEntropy(output, target *ember.Tensor) *ember.Tensor {
	return ember.CrossEntropy(output, target, nil)
}

// MSE is the mean squared error.
func MSE(output, target *ember.Tensor) *ember.Tensor {
	return ember.MSELoss(output, target.To(output.DType()).Reshape(output.Shape()...), ember.ReductionMean)
}

// Trainer fits a model. Batches from the loaders are lists of tensors: the
// first is the model's input, the second the target.
type Trainer struct {
	Model     nn.Layer
	Loss      LossFunc
	Optimizer optim.Optimizer
	// Scheduler, if set, steps once per epoch (or per optimizer step with
	// StepPerBatch).
	Scheduler    optim.Scheduler
	StepPerBatch bool
	Metrics      []Metric
	Callbacks    []Callback
	// Device is where the model lives; batches are moved there.
	Device ember.Device

	// ClipGradNorm, when > 0, rescales the gradients to this global L2
	// norm before each step; ClipGradValue clamps each gradient element.
	ClipGradNorm  float64
	ClipGradValue float64
	// AccumulateSteps sums gradients over this many batches per optimizer
	// step (default 1).
	AccumulateSteps int

	// CheckpointPath, when set, is where Fit writes a resumable checkpoint
	// after every epoch and when interrupted; Resume makes Fit continue
	// from it when it exists.
	CheckpointPath string
	Resume         bool

	// Out receives the progress bar (default os.Stderr); Logger the log
	// lines (default slog.Default()); Quiet silences both.
	Out    io.Writer
	Logger *slog.Logger
	Quiet  bool
}

func (t *Trainer) logger() *slog.Logger {
	if t.Quiet {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if t.Logger != nil {
		return t.Logger
	}
	return slog.Default()
}

func (t *Trainer) out() io.Writer {
	if t.Out != nil {
		return t.Out
	}
	return os.Stderr
}

func (t *Trainer) check() error {
	switch {
	case t.Model == nil:
		return errors.New("train: Trainer has no Model")
	case t.Loss == nil:
		return errors.New("train: Trainer has no Loss")
	}
	return nil
}

// toDevice moves a batch onto the trainer's device.
func (t *Trainer) toDevice(b []*ember.Tensor) ([]*ember.Tensor, error) {
	if len(b) < 2 {
		return nil, fmt.Errorf("train: a batch needs an input and a target, got %d tensors", len(b))
	}
	out := make([]*ember.Tensor, len(b))
	err := ember.Catch(func() {
		for i, x := range b {
			out[i] = x.To(t.Device)
		}
	})
	return out, err
}

// accum sums the loss and counts samples of an epoch.
type accum struct {
	lossSum float64
	samples int
}

// runState is the position of an interrupted Fit.
type runState struct {
	epoch   int // current epoch (1-based)
	batch   int // batches done in it
	acc     accum
	metrics [][]float64
}

// Fit trains for epochs (counted from 1; with Resume, from where the
// checkpoint stopped), validating on val (may be nil) after each epoch. It
// returns the history of every epoch of this and resumed runs. When ctx is
// cancelled it stops at the next step boundary, writes the checkpoint (if
// CheckpointPath is set) and returns an error wrapping ErrInterrupted.
func (t *Trainer) Fit(ctx context.Context, trainData, val *data.Loader, epochs int) (*History, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	if t.Optimizer == nil {
		return nil, errors.New("train: Trainer has no Optimizer")
	}
	log := t.logger()
	hist := &History{}
	pos := runState{epoch: 1}
	if t.Resume && t.CheckpointPath != "" {
		if _, err := os.Stat(t.CheckpointPath); err == nil {
			ck, err := t.loadCheckpoint(t.CheckpointPath)
			if err != nil {
				return nil, err
			}
			hist, pos = ck.History, ck.pos()
			log.Info("resuming", "checkpoint", t.CheckpointPath, "epoch", pos.epoch, "batch", pos.batch)
		}
	}
	s := &State{Trainer: t, Epochs: epochs, History: hist}
	for _, c := range t.Callbacks {
		if b, ok := c.(TrainBeginner); ok {
			if err := b.OnTrainBegin(s); err != nil {
				return hist, err
			}
		}
	}
	accSteps := max(1, t.AccumulateSteps)
	for epoch := pos.epoch; epoch <= epochs; epoch++ {
		s.Epoch, s.Batch = epoch, 0
		for _, c := range t.Callbacks {
			if b, ok := c.(EpochBeginner); ok {
				if err := b.OnEpochBegin(s); err != nil {
					return hist, err
				}
			}
		}
		nn.Train(t.Model)
		acc := accum{}
		for _, m := range t.Metrics {
			m.Reset()
		}
		skip := 0
		if epoch == pos.epoch && pos.batch > 0 {
			skip, acc = pos.batch, pos.acc
			if err := setMetricStates(t.Metrics, pos.metrics); err != nil {
				return hist, err
			}
		}
		total := trainData.Dataset.Len()
		if trainData.DropLast {
			total = trainData.NumBatches() * max(1, trainData.BatchSize)
		}
		prog := newProgress(t.out(), log, epoch, epochs, total, t.Quiet)
		prog.done = acc.samples
		start := time.Now()
		batchIdx := skip
		var stepErr error
		pending := 0 // batches whose gradients await an optimizer step
		nb := trainData.NumBatches()
		for batch, err := range trainData.EpochFrom(ctx, epoch-1, skip) {
			if err != nil {
				stepErr = err
				break
			}
			if err := t.trainStep(batch, accSteps, &acc); err != nil {
				stepErr = err
				break
			}
			batchIdx++
			pending++
			if pending == accSteps || batchIdx == nb {
				if err := t.optimizerStep(); err != nil {
					stepErr = err
					break
				}
				pending = 0
				s.Batch = batchIdx
				s.Logs = map[string]float64{"loss": acc.lossSum / float64(max(acc.samples, 1))}
				for _, c := range t.Callbacks {
					if b, ok := c.(BatchEnder); ok {
						if err := b.OnBatchEnd(s); err != nil {
							return hist, err
						}
					}
				}
				if ctx.Err() != nil {
					break
				}
			}
			prog.step(batch[0].Size(0), t.running(acc))
		}
		prog.finish()
		if ctx.Err() != nil && (stepErr == nil || errors.Is(stepErr, ctx.Err())) {
			return hist, t.interrupt(ctx, hist, runState{epoch: epoch, batch: batchIdx, acc: acc, metrics: metricStates(t.Metrics)})
		}
		if stepErr != nil {
			return hist, stepErr
		}
		logs := t.running(acc)
		logs["epoch_time"] = time.Since(start).Seconds()
		logs["lr"] = t.Optimizer.LR(0)
		if el := time.Since(start).Seconds(); el > 0 {
			logs["samples_per_s"] = float64(acc.samples-pos.acc.samples*b2i(epoch == pos.epoch)) / el
		}
		if val != nil {
			vl, err := t.Evaluate(ctx, val)
			if err != nil {
				if ctx.Err() != nil {
					return hist, t.interrupt(ctx, hist, runState{epoch: epoch + 1})
				}
				return hist, err
			}
			for k, v := range vl {
				logs["val_"+k] = v
			}
		}
		hist.Epochs = append(hist.Epochs, EpochLog{Epoch: epoch, Logs: logs})
		s.Logs = logs
		if !t.Quiet {
			log.Info(fmt.Sprintf("epoch %d/%d", epoch, epochs), "metrics", formatLogs(logs))
		}
		if t.Scheduler != nil && !t.StepPerBatch {
			t.Scheduler.Step()
		}
		for _, c := range t.Callbacks {
			if err := c.OnEpochEnd(s); err != nil {
				return hist, err
			}
		}
		if t.CheckpointPath != "" {
			if err := t.saveCheckpoint(t.CheckpointPath, hist, runState{epoch: epoch + 1}); err != nil {
				return hist, err
			}
		}
		if s.StopTraining {
			break
		}
	}
	for _, c := range t.Callbacks {
		if e, ok := c.(TrainEnder); ok {
			if err := e.OnTrainEnd(s); err != nil {
				return hist, err
			}
		}
	}
	return hist, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// interrupt writes the checkpoint of an interrupted Fit.
func (t *Trainer) interrupt(ctx context.Context, hist *History, pos runState) error {
	if t.CheckpointPath == "" {
		return fmt.Errorf("%w at epoch %d, batch %d: %w", ErrInterrupted, pos.epoch, pos.batch, ctx.Err())
	}
	if err := t.saveCheckpoint(t.CheckpointPath, hist, pos); err != nil {
		return fmt.Errorf("%w, and the checkpoint could not be written: %w", ErrInterrupted, err)
	}
	t.logger().Info("interrupted; checkpoint written", "path", t.CheckpointPath, "epoch", pos.epoch, "batch", pos.batch)
	return fmt.Errorf("%w at epoch %d, batch %d (checkpoint %s): %w", ErrInterrupted, pos.epoch, pos.batch, t.CheckpointPath, ctx.Err())
}

// trainStep runs forward and backward on one batch.
func (t *Trainer) trainStep(batch []*ember.Tensor, accSteps int, acc *accum) error {
	b, err := t.toDevice(batch)
	if err != nil {
		return err
	}
	return ember.Catch(func() {
		out := t.Model.Forward(b[0])
		loss := t.Loss(out, b[1])
		lv := loss.Item()
		if math.IsNaN(lv) || math.IsInf(lv, 0) {
			panic(fmt.Errorf("train: the loss is %v", lv))
		}
		if accSteps > 1 {
			loss = loss.MulScalar(1 / float64(accSteps))
		}
		loss.Backward()
		n := b[0].Size(0)
		acc.lossSum += lv * float64(n)
		acc.samples += n
		if len(t.Metrics) > 0 {
			o := out.Detach()
			for _, m := range t.Metrics {
				m.Update(o, b[1])
			}
		}
	})
}

// optimizerStep clips, steps and clears the gradients.
func (t *Trainer) optimizerStep() error {
	return ember.Catch(func() {
		params := t.Optimizer.Params()
		if t.ClipGradValue > 0 {
			optim.ClipGradValue(params, t.ClipGradValue)
		}
		if t.ClipGradNorm > 0 {
			optim.ClipGradNorm(params, t.ClipGradNorm, 2)
		}
		t.Optimizer.Step()
		t.Optimizer.ZeroGrad()
		if t.Scheduler != nil && t.StepPerBatch {
			t.Scheduler.Step()
		}
	})
}

// running returns the epoch's logs so far.
func (t *Trainer) running(acc accum) map[string]float64 {
	logs := map[string]float64{"loss": acc.lossSum / float64(max(acc.samples, 1))}
	for _, m := range t.Metrics {
		logs[m.Name()] = m.Value()
	}
	return logs
}

// Evaluate returns the mean loss and the metrics over a loader, in
// evaluation mode and without recording gradients.
func (t *Trainer) Evaluate(ctx context.Context, l *data.Loader) (map[string]float64, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	nn.Eval(t.Model)
	defer nn.Train(t.Model)
	for _, m := range t.Metrics {
		m.Reset()
	}
	acc := accum{}
	var evalErr error
	ember.NoGrad(func() {
		for batch, err := range l.Epoch(ctx, 0) {
			if err != nil {
				evalErr = err
				return
			}
			b, err := t.toDevice(batch)
			if err != nil {
				evalErr = err
				return
			}
			evalErr = ember.Catch(func() {
				out := t.Model.Forward(b[0])
				n := b[0].Size(0)
				acc.lossSum += t.Loss(out, b[1]).Item() * float64(n)
				acc.samples += n
				for _, m := range t.Metrics {
					m.Update(out, b[1])
				}
			})
			if evalErr != nil {
				return
			}
		}
	})
	if evalErr != nil {
		return nil, evalErr
	}
	return t.running(acc), nil
}

// Predict runs the model over a loader's inputs (field 0) in evaluation
// mode and returns the concatenated outputs on the CPU.
func (t *Trainer) Predict(ctx context.Context, l *data.Loader) (*ember.Tensor, error) {
	if t.Model == nil {
		return nil, errors.New("train: Trainer has no Model")
	}
	nn.Eval(t.Model)
	defer nn.Train(t.Model)
	var outs []*ember.Tensor
	var predErr error
	ember.NoGrad(func() {
		for batch, err := range l.Epoch(ctx, 0) {
			if err != nil {
				predErr = err
				return
			}
			predErr = ember.Catch(func() {
				outs = append(outs, t.Model.Forward(batch[0].To(t.Device)).To(ember.CPU))
			})
			if predErr != nil {
				return
			}
		}
	})
	if predErr != nil {
		return nil, predErr
	}
	if len(outs) == 0 {
		return nil, errors.New("train: Predict got no batches")
	}
	return ember.Cat(outs, 0), nil
}
