package train

import (
	"fmt"

	"github.com/emberdl/ember"
)

// Metric accumulates a measure over the batches of an epoch. Update sees
// the model's output and the batch targets (class scores [N, C] and int64
// class indices [N] for the classification metrics).
type Metric interface {
	Name() string
	Reset()
	Update(output, target *ember.Tensor)
	Value() float64
}

// classes returns the predicted and true class of each example.
func classes(output, target *ember.Tensor) (pred, truth []int64) {
	ember.NoGrad(func() {
		o := output
		if o.Dim() > 2 {
			// [N, C, d1, ...] → [N*d1*..., C]
			c := o.Size(1)
			perm := []int{0}
			for d := 2; d < o.Dim(); d++ {
				perm = append(perm, d)
			}
			o = o.Permute(append(perm, 1)...).Reshape(-1, c)
		}
		if o.Dim() == 2 {
			pred = o.Argmax(1).Int64s()
		} else { // a single logit per example: binary
			pred = o.Gt(ember.Scalar(0.0)).Int64s()
		}
		truth = target.Reshape(-1).Int64s()
	})
	return pred, truth
}

// Accuracy is the fraction of examples whose highest score is the target.
type Accuracy struct{ correct, total int }

// NewAccuracy returns the accuracy metric ("accuracy").
func NewAccuracy() *Accuracy { return &Accuracy{} }

// Name returns "accuracy".
func (a *Accuracy) Name() string { return "accuracy" }

// Reset clears the counts.
func (a *Accuracy) Reset() { a.correct, a.total = 0, 0 }

// Update counts a batch.
func (a *Accuracy) Update(output, target *ember.Tensor) {
	pred, truth := classes(output, target)
	for i := range truth {
		if pred[i] == truth[i] {
			a.correct++
		}
	}
	a.total += len(truth)
}

// Value returns correct / total (0 before any update).
func (a *Accuracy) Value() float64 {
	if a.total == 0 {
		return 0
	}
	return float64(a.correct) / float64(a.total)
}

// TopK is the fraction of examples whose target is among the k highest
// scores.
type TopK struct {
	K              int
	correct, total int
}

// NewTopK returns the top-k accuracy metric ("top5_accuracy" for k 5).
func NewTopK(k int) *TopK { return &TopK{K: k} }

// Name returns "topK_accuracy".
func (m *TopK) Name() string { return fmt.Sprintf("top%d_accuracy", m.K) }

// Reset clears the counts.
func (m *TopK) Reset() { m.correct, m.total = 0, 0 }

// Update counts a batch.
func (m *TopK) Update(output, target *ember.Tensor) {
	ember.NoGrad(func() {
		k := min(m.K, output.Size(-1))
		_, idx := output.Topk(k, -1, true, false)
		hit := idx.Eq(target.Reshape(-1, 1)).Any(1).Int64s()
		for _, h := range hit {
			m.correct += int(h)
		}
		m.total += len(hit)
	})
}

// Value returns the fraction of hits.
func (m *TopK) Value() float64 {
	if m.total == 0 {
		return 0
	}
	return float64(m.correct) / float64(m.total)
}

// ConfusionMatrix counts (true class, predicted class) pairs. As a Metric
// its value is the accuracy; Precision, Recall and F1 read it too.
type ConfusionMatrix struct {
	Classes int
	counts  [][]int
}

// NewConfusionMatrix returns an empty matrix for n classes.
func NewConfusionMatrix(n int) *ConfusionMatrix {
	c := &ConfusionMatrix{Classes: n}
	c.Reset()
	return c
}

// Name returns "confusion".
func (c *ConfusionMatrix) Name() string { return "confusion" }

// Reset clears the counts.
func (c *ConfusionMatrix) Reset() {
	c.counts = make([][]int, c.Classes)
	for i := range c.counts {
		c.counts[i] = make([]int, c.Classes)
	}
}

// Update counts a batch; classes outside [0, Classes) are ignored (such as
// ignore_index targets).
func (c *ConfusionMatrix) Update(output, target *ember.Tensor) {
	pred, truth := classes(output, target)
	for i := range truth {
		t, p := truth[i], pred[i]
		if t >= 0 && int(t) < c.Classes && p >= 0 && int(p) < c.Classes {
			c.counts[t][p]++
		}
	}
}

// Matrix returns a copy of the counts: row = true class, column = predicted.
func (c *ConfusionMatrix) Matrix() [][]int {
	out := make([][]int, len(c.counts))
	for i, r := range c.counts {
		out[i] = append([]int(nil), r...)
	}
	return out
}

// Value returns the accuracy.
func (c *ConfusionMatrix) Value() float64 {
	right, all := 0, 0
	for i, r := range c.counts {
		for j, n := range r {
			all += n
			if i == j {
				right += n
			}
		}
	}
	if all == 0 {
		return 0
	}
	return float64(right) / float64(all)
}

// PerClass returns precision, recall and F1 of each class (0 where
// undefined, as scikit-learn's zero_division=0).
func (c *ConfusionMatrix) PerClass() (precision, recall, f1 []float64) {
	n := c.Classes
	precision, recall, f1 = make([]float64, n), make([]float64, n), make([]float64, n)
	for k := 0; k < n; k++ {
		tp := c.counts[k][k]
		predK, trueK := 0, 0
		for i := 0; i < n; i++ {
			predK += c.counts[i][k]
			trueK += c.counts[k][i]
		}
		if predK > 0 {
			precision[k] = float64(tp) / float64(predK)
		}
		if trueK > 0 {
			recall[k] = float64(tp) / float64(trueK)
		}
		if precision[k]+recall[k] > 0 {
			f1[k] = 2 * precision[k] * recall[k] / (precision[k] + recall[k])
		}
	}
	return
}

func mean(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// classMetric is a macro-averaged precision, recall or F1 over a
// confusion matrix.
type classMetric struct {
	name string
	pick func(p, r, f []float64) []float64
	cm   *ConfusionMatrix
}

func (m *classMetric) Name() string                        { return m.name }
func (m *classMetric) Reset()                              { m.cm.Reset() }
func (m *classMetric) Update(output, target *ember.Tensor) { m.cm.Update(output, target) }
func (m *classMetric) Value() float64 {
	p, r, f := m.cm.PerClass()
	return mean(m.pick(p, r, f))
}

// NewPrecision returns macro-averaged precision over n classes.
func NewPrecision(n int) Metric {
	return &classMetric{"precision", func(p, r, f []float64) []float64 { return p }, NewConfusionMatrix(n)}
}

// NewRecall returns macro-averaged recall over n classes.
func NewRecall(n int) Metric {
	return &classMetric{"recall", func(p, r, f []float64) []float64 { return r }, NewConfusionMatrix(n)}
}

// NewF1 returns macro-averaged F1 over n classes.
func NewF1(n int) Metric {
	return &classMetric{"f1", func(p, r, f []float64) []float64 { return f }, NewConfusionMatrix(n)}
}

// State returns the counts, for checkpoints.
func (a *Accuracy) State() []float64 { return []float64{float64(a.correct), float64(a.total)} }

// SetState restores counts saved by State.
func (a *Accuracy) SetState(s []float64) error {
	if len(s) != 2 {
		return fmt.Errorf("accuracy state has %d values, want 2", len(s))
	}
	a.correct, a.total = int(s[0]), int(s[1])
	return nil
}

// State returns the counts, for checkpoints.
func (m *TopK) State() []float64 { return []float64{float64(m.correct), float64(m.total)} }

// SetState restores counts saved by State.
func (m *TopK) SetState(s []float64) error {
	if len(s) != 2 {
		return fmt.Errorf("top-k state has %d values, want 2", len(s))
	}
	m.correct, m.total = int(s[0]), int(s[1])
	return nil
}

// State returns the counts row by row, for checkpoints.
func (c *ConfusionMatrix) State() []float64 {
	out := make([]float64, 0, c.Classes*c.Classes)
	for _, r := range c.counts {
		for _, n := range r {
			out = append(out, float64(n))
		}
	}
	return out
}

// SetState restores counts saved by State.
func (c *ConfusionMatrix) SetState(s []float64) error {
	if len(s) != c.Classes*c.Classes {
		return fmt.Errorf("confusion state has %d values, want %d", len(s), c.Classes*c.Classes)
	}
	for i := range c.counts {
		for j := range c.counts[i] {
			c.counts[i][j] = int(s[i*c.Classes+j])
		}
	}
	return nil
}

func (m *classMetric) State() []float64           { return m.cm.State() }
func (m *classMetric) SetState(s []float64) error { return m.cm.SetState(s) }
