package train

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
)

// History records the logs of every epoch: training metrics ("loss",
// "accuracy", ...), validation metrics ("val_loss", ...), "lr", and
// "epoch_time" in seconds.
type History struct {
	Epochs []EpochLog `json:"epochs"`
}

// EpochLog is one epoch's values.
type EpochLog struct {
	Epoch int                `json:"epoch"` // counting from 1
	Logs  map[string]float64 `json:"logs"`
}

// Series returns the values of one log key per epoch (NaN where missing).
func (h *History) Series(key string) []float64 {
	out := make([]float64, len(h.Epochs))
	for i, e := range h.Epochs {
		v, ok := e.Logs[key]
		if !ok {
			v = math.NaN()
		}
		out[i] = v
	}
	return out
}

// Keys returns every log key, sorted.
func (h *History) Keys() []string {
	set := map[string]bool{}
	for _, e := range h.Epochs {
		for k := range e.Logs {
			set[k] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// Last returns the last epoch's value of key, and whether there is one.
func (h *History) Last(key string) (float64, bool) {
	if len(h.Epochs) == 0 {
		return 0, false
	}
	v, ok := h.Epochs[len(h.Epochs)-1].Logs[key]
	return v, ok
}

// WriteCSV writes one row per epoch with a column per key.
func (h *History) WriteCSV(w io.Writer) error {
	keys := h.Keys()
	cw := csv.NewWriter(w)
	if err := cw.Write(append([]string{"epoch"}, keys...)); err != nil {
		return err
	}
	for _, e := range h.Epochs {
		row := []string{strconv.Itoa(e.Epoch)}
		for _, k := range keys {
			if v, ok := e.Logs[k]; ok {
				row = append(row, strconv.FormatFloat(v, 'g', 8, 64))
			} else {
				row = append(row, "")
			}
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSON writes the history as JSON (non-finite values become null).
func (h *History) WriteJSON(w io.Writer) error {
	type jsonEpoch struct {
		Epoch int                 `json:"epoch"`
		Logs  map[string]*float64 `json:"logs"`
	}
	out := struct {
		Epochs []jsonEpoch `json:"epochs"`
	}{}
	for _, e := range h.Epochs {
		je := jsonEpoch{Epoch: e.Epoch, Logs: map[string]*float64{}}
		for k, v := range e.Logs {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				je.Logs[k] = nil
			} else {
				v := v
				je.Logs[k] = &v
			}
		}
		out.Epochs = append(out.Epochs, je)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("train: writing history: %w", err)
	}
	return nil
}
