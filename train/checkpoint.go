package train

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/nn"
	"github.com/emberdl/ember/optim"
	"github.com/emberdl/ember/safetensors"
)

// checkpointKey is the safetensors metadata key holding the JSON part of a
// training checkpoint.
const checkpointKey = "ember.train.checkpoint"

// checkpointVersion changes when the layout does.
const checkpointVersion = 1

// checkpoint is everything needed to continue a Fit exactly: the model and
// optimizer tensors live in the safetensors body, the rest in this JSON.
type checkpoint struct {
	Version   int                  `json:"version"`
	Epoch     int                  `json:"epoch"` // the epoch to continue (1-based)
	Batch     int                  `json:"batch"` // batches of it already done
	LossSum   float64              `json:"loss_sum"`
	Samples   int                  `json:"samples"`
	Metrics   [][]float64          `json:"metrics"`
	Optimizer *optim.StateDict     `json:"optimizer"`
	Scheduler *optim.ScheduleState `json:"scheduler,omitempty"`
	RNG       ember.GeneratorState `json:"rng"`
	History   *History             `json:"history"`
}

func (c *checkpoint) pos() runState {
	return runState{epoch: c.Epoch, batch: c.Batch, acc: accum{lossSum: c.LossSum, samples: c.Samples}, metrics: c.Metrics}
}

// StatefulMetric is a Metric whose accumulated state can be saved in a
// checkpoint, so a resumed epoch reports what an uninterrupted one would.
type StatefulMetric interface {
	Metric
	State() []float64
	SetState(s []float64) error
}

func metricStates(ms []Metric) [][]float64 {
	out := make([][]float64, len(ms))
	for i, m := range ms {
		if s, ok := m.(StatefulMetric); ok {
			out[i] = s.State()
		}
	}
	return out
}

func setMetricStates(ms []Metric, st [][]float64) error {
	for i, m := range ms {
		if i >= len(st) || st[i] == nil {
			continue
		}
		if s, ok := m.(StatefulMetric); ok {
			if err := s.SetState(st[i]); err != nil {
				return fmt.Errorf("train: restoring metric %s: %w", m.Name(), err)
			}
		}
	}
	return nil
}

// saveCheckpoint writes the checkpoint atomically.
func (t *Trainer) saveCheckpoint(path string, hist *History, pos runState) error {
	ck := checkpoint{Version: checkpointVersion, Epoch: pos.epoch, Batch: pos.batch, LossSum: pos.acc.lossSum,
		Samples: pos.acc.samples, Metrics: pos.metrics, RNG: ember.DefaultGenerator().State(), History: hist}
	var named []nn.Named
	for _, n := range nn.StateDict(t.Model) {
		named = append(named, nn.Named{Name: "model." + n.Name, Tensor: n.Tensor})
	}
	if t.Optimizer != nil {
		sd := t.Optimizer.StateDict()
		ck.Optimizer = sd
		for k, v := range sd.Tensors {
			named = append(named, nn.Named{Name: "optimizer." + k, Tensor: v})
		}
	}
	if t.Scheduler != nil {
		s := t.Scheduler.StateDict()
		ck.Scheduler = &s
	}
	meta, err := json.Marshal(ck)
	if err != nil {
		return fmt.Errorf("train: encoding checkpoint: %w", err)
	}
	ts, err := nn.SafetensorsTensors(named)
	if err != nil {
		return err
	}
	if err := safetensors.WriteFile(path, ts, map[string]string{checkpointKey: string(meta)}); err != nil {
		return fmt.Errorf("train: writing checkpoint: %w", err)
	}
	return nil
}

// loadCheckpoint restores model, optimizer, schedule and generator state.
func (t *Trainer) loadCheckpoint(path string) (*checkpoint, error) {
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, fmt.Errorf("train: opening checkpoint: %w", err)
	}
	defer f.Close()
	raw, ok := f.Metadata[checkpointKey]
	if !ok {
		return nil, fmt.Errorf("train: %s is not a training checkpoint (no %q metadata)", path, checkpointKey)
	}
	var ck checkpoint
	if err := json.Unmarshal([]byte(raw), &ck); err != nil {
		return nil, fmt.Errorf("train: checkpoint %s: bad metadata: %w", path, err)
	}
	if ck.Version != checkpointVersion {
		return nil, fmt.Errorf("train: checkpoint %s has version %d, this Ember reads %d", path, ck.Version, checkpointVersion)
	}
	all, err := nn.ReadSafetensors(f)
	if err != nil {
		return nil, err
	}
	model, opt := map[string]*ember.Tensor{}, map[string]*ember.Tensor{}
	for k, v := range all {
		switch {
		case strings.HasPrefix(k, "model."):
			model[strings.TrimPrefix(k, "model.")] = v
		case strings.HasPrefix(k, "optimizer."):
			opt[strings.TrimPrefix(k, "optimizer.")] = v
		}
	}
	if _, err := nn.LoadStateDict(t.Model, model, true); err != nil {
		return nil, fmt.Errorf("train: checkpoint %s: %w", path, err)
	}
	if t.Optimizer != nil && ck.Optimizer != nil {
		ck.Optimizer.Tensors = opt
		if err := t.Optimizer.LoadStateDict(ck.Optimizer); err != nil {
			return nil, fmt.Errorf("train: checkpoint %s: optimizer: %w", path, err)
		}
	}
	if t.Scheduler != nil && ck.Scheduler != nil {
		if err := t.Scheduler.LoadStateDict(*ck.Scheduler); err != nil {
			return nil, fmt.Errorf("train: checkpoint %s: schedule: %w", path, err)
		}
	}
	ember.DefaultGenerator().SetState(ck.RNG)
	if ck.History == nil {
		ck.History = &History{}
	}
	return &ck, nil
}

// SaveCheckpoint writes a resumable training checkpoint of the trainer's
// model, optimizer, schedule and the default generator, marking the start
// of epoch (counted from 1), for training loops written by hand. The write
// is atomic: a crash during it leaves any earlier file intact.
func (t *Trainer) SaveCheckpoint(path string, epoch int, hist *History) error {
	if hist == nil {
		hist = &History{}
	}
	return t.saveCheckpoint(path, hist, runState{epoch: epoch})
}

// LoadCheckpoint restores a checkpoint written by SaveCheckpoint or Fit into
// the trainer's model, optimizer and schedule and the default generator,
// and returns the epoch and batch to continue from and the history so far.
func (t *Trainer) LoadCheckpoint(path string) (epoch, batch int, hist *History, err error) {
	ck, err := t.loadCheckpoint(path)
	if err != nil {
		return 0, 0, nil, err
	}
	return ck.Epoch, ck.Batch, ck.History, nil
}
