package train

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/internal/atomicfile"
	"github.com/emberdl/ember/nn"
	"github.com/emberdl/ember/optim"
)

// State is what callbacks see and may change.
type State struct {
	Trainer *Trainer
	Epoch   int // the current epoch, counting from 1
	Epochs  int // the last epoch of this Fit
	Batch   int // batches done in the current epoch
	// Logs holds the metrics of the batch or epoch that just ended: "loss",
	// "accuracy", ..., "val_loss", ..., "lr", "epoch_time".
	Logs    map[string]float64
	History *History
	// StopTraining, when set by a callback, ends Fit after this epoch.
	StopTraining bool
}

// Callback reacts to the end of each epoch. A callback may also implement
// any of TrainBeginner, EpochBeginner, BatchEnder and TrainEnder.
type Callback interface {
	OnEpochEnd(s *State) error
}

// TrainBeginner is called once before the first epoch.
type TrainBeginner interface{ OnTrainBegin(s *State) error }

// EpochBeginner is called before each epoch.
type EpochBeginner interface{ OnEpochBegin(s *State) error }

// BatchEnder is called after each optimizer step.
type BatchEnder interface{ OnBatchEnd(s *State) error }

// TrainEnder is called once after the last epoch (also after an early stop).
type TrainEnder interface{ OnTrainEnd(s *State) error }

// CallbackFunc adapts a function to a Callback.
type CallbackFunc func(s *State) error

// OnEpochEnd calls f.
func (f CallbackFunc) OnEpochEnd(s *State) error { return f(s) }

// better reports whether v improves on best by more than minDelta in mode
// "min" or "max".
func better(mode string, v, best, minDelta float64) bool {
	if math.IsNaN(v) {
		return false
	}
	if mode == "max" {
		return v > best+minDelta
	}
	return v < best-minDelta
}

// modeFor picks min for losses and errors, max otherwise, when mode is "".
func modeFor(monitor, mode string) string {
	if mode != "" {
		return mode
	}
	if strings.Contains(monitor, "loss") || strings.Contains(monitor, "error") {
		return "min"
	}
	return "max"
}

// EarlyStopping stops training when a monitored value stops improving.
type EarlyStopping struct {
	Monitor  string  // log key, default "val_loss"
	Mode     string  // "min", "max", or "" to infer from the name
	Patience int     // epochs without improvement before stopping
	MinDelta float64 // the smallest change that counts as improvement
	// RestoreBest reloads the parameters of the best epoch when stopping.
	RestoreBest bool

	best      float64
	bestEpoch int
	wait      int
	saved     map[string][]byte
	started   bool
}

func (e *EarlyStopping) monitor() string {
	if e.Monitor == "" {
		return "val_loss"
	}
	return e.Monitor
}

// OnEpochEnd checks the monitored value.
func (e *EarlyStopping) OnEpochEnd(s *State) error {
	v, ok := s.Logs[e.monitor()]
	if !ok {
		return fmt.Errorf("train: EarlyStopping monitors %q, which is not logged (have %s)", e.monitor(), formatLogs(s.Logs))
	}
	mode := modeFor(e.monitor(), e.Mode)
	if !e.started {
		e.started = true
		e.best = math.Inf(1)
		if mode == "max" {
			e.best = math.Inf(-1)
		}
	}
	if better(mode, v, e.best, e.MinDelta) {
		e.best, e.bestEpoch, e.wait = v, s.Epoch, 0
		if e.RestoreBest {
			e.saved = snapshot(s.Trainer.Model)
		}
		return nil
	}
	e.wait++
	if e.wait > e.Patience {
		s.StopTraining = true
		if s.Trainer.Logger != nil {
			s.Trainer.Logger.Info("early stopping", "monitor", e.monitor(), "best", e.best, "best_epoch", e.bestEpoch)
		}
		if e.RestoreBest && e.saved != nil {
			return restore(s.Trainer.Model, e.saved)
		}
	}
	return nil
}

// BestEpoch returns the epoch with the best monitored value so far.
func (e *EarlyStopping) BestEpoch() int { return e.bestEpoch }

// snapshot copies every parameter and buffer's bytes.
func snapshot(m nn.Module) map[string][]byte {
	out := map[string][]byte{}
	for _, n := range nn.StateDict(m) {
		out[n.Name] = n.Tensor.Detach().Bytes()
	}
	return out
}

func restore(m nn.Module, snap map[string][]byte) error {
	sd := map[string]*ember.Tensor{}
	for _, n := range nn.StateDict(m) {
		t, err := ember.FromBytes(n.Tensor.DType(), n.Tensor.Shape(), snap[n.Name])
		if err != nil {
			return err
		}
		sd[n.Name] = t
	}
	_, err := nn.LoadStateDict(m, sd, true)
	return err
}

// ModelCheckpoint saves the model (safetensors) after epochs: the latest
// to "last.safetensors" and, when a monitored value improves, the best to
// "best.safetensors", both in Dir.
type ModelCheckpoint struct {
	Dir      string
	Monitor  string // default "val_loss"
	Mode     string // "min", "max", or "" to infer
	SaveBest bool
	SaveLast bool

	best    float64
	started bool
}

// OnEpochEnd writes the files.
func (c *ModelCheckpoint) OnEpochEnd(s *State) error {
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return fmt.Errorf("train: checkpoint directory: %w", err)
	}
	meta := map[string]string{"epoch": fmt.Sprint(s.Epoch)}
	if c.SaveLast {
		if err := nn.Save(filepath.Join(c.Dir, "last.safetensors"), s.Trainer.Model, meta); err != nil {
			return err
		}
	}
	if !c.SaveBest {
		return nil
	}
	mon := c.Monitor
	if mon == "" {
		mon = "val_loss"
	}
	v, ok := s.Logs[mon]
	if !ok {
		return fmt.Errorf("train: ModelCheckpoint monitors %q, which is not logged", mon)
	}
	mode := modeFor(mon, c.Mode)
	if !c.started {
		c.started, c.best = true, math.Inf(1)
		if mode == "max" {
			c.best = math.Inf(-1)
		}
	}
	if better(mode, v, c.best, 0) {
		c.best = v
		meta[mon] = fmt.Sprint(v)
		return nn.Save(filepath.Join(c.Dir, "best.safetensors"), s.Trainer.Model, meta)
	}
	return nil
}

// writeFileAtomic writes a file through fill, atomically.
func writeFileAtomic(path string, fill func(w io.Writer) error) error {
	if err := atomicfile.Write(path, 0o644, fill); err != nil {
		return fmt.Errorf("train: writing %s: %w", path, err)
	}
	return nil
}

// CSVLogger appends each epoch's logs to a CSV file (rewritten atomically
// every epoch, so it is always complete).
type CSVLogger struct {
	Path string
}

// OnEpochEnd rewrites the file from the history.
func (c *CSVLogger) OnEpochEnd(s *State) error {
	return writeFileAtomic(c.Path, s.History.WriteCSV)
}

// PlateauStep steps a ReduceLROnPlateau schedule with a monitored value at
// the end of each epoch.
type PlateauStep struct {
	Schedule *optim.ReduceLROnPlateau
	Monitor  string // default "val_loss"
}

// OnEpochEnd steps the schedule.
func (p *PlateauStep) OnEpochEnd(s *State) error {
	mon := p.Monitor
	if mon == "" {
		mon = "val_loss"
	}
	v, ok := s.Logs[mon]
	if !ok {
		return fmt.Errorf("train: PlateauStep monitors %q, which is not logged", mon)
	}
	p.Schedule.Step(v)
	return nil
}

// ErrInterrupted is returned (wrapped) by Fit when its context is cancelled;
// the checkpoint, if configured, has been written.
var ErrInterrupted = errors.New("training interrupted")
