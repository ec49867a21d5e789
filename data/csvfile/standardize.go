package csvfile

import (
	"errors"
	"fmt"
	"math"
)

// Standardizer holds per-feature statistics: applying it maps each numeric
// feature x to (x - Mean) / Std. Categorical features are left unchanged
// (their Mean is 0 and Std 1).
type Standardizer struct {
	Mean []float64 // per feature
	Std  []float64 // per feature, population standard deviation; 1 where it is 0
}

// FitStandardizer computes the mean and the population standard deviation
// (divisor n, as scikit-learn's StandardScaler) of every numeric feature of
// t, in float64 with two passes. A column with zero spread gets Std 1 so
// that applying the result only centres it.
func FitStandardizer(t *Table) (*Standardizer, error) {
	if t.Rows == 0 {
		return nil, errors.New("csvfile: cannot fit standardisation statistics on zero rows")
	}
	nf := t.NumFeatures()
	s := &Standardizer{Mean: make([]float64, nf), Std: make([]float64, nf)}
	for j, c := range t.Schema.Features {
		if c.Kind != Numeric {
			s.Std[j] = 1
			continue
		}
		var sum float64
		for r := 0; r < t.Rows; r++ {
			sum += float64(t.X[r*nf+j])
		}
		mean := sum / float64(t.Rows)
		var sq float64
		for r := 0; r < t.Rows; r++ {
			d := float64(t.X[r*nf+j]) - mean
			sq += d * d
		}
		std := math.Sqrt(sq / float64(t.Rows))
		if std == 0 {
			std = 1
		}
		s.Mean[j], s.Std[j] = mean, std
	}
	return s, nil
}

// Apply standardises the features of t in place.
func (s *Standardizer) Apply(t *Table) error {
	nf := t.NumFeatures()
	if len(s.Mean) != nf || len(s.Std) != nf {
		return fmt.Errorf("csvfile: standardizer has %d features, table has %d", len(s.Mean), nf)
	}
	for r := 0; r < t.Rows; r++ {
		row := t.X[r*nf : (r+1)*nf]
		for j := range row {
			row[j] = float32((float64(row[j]) - s.Mean[j]) / s.Std[j])
		}
	}
	return nil
}
