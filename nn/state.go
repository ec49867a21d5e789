package nn

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/emberdl/ember"
)

// StateDict returns every parameter and buffer of m with its key, in
// PyTorch's order (a module's own tensors, then its submodules').
func StateDict(m Module) []Named {
	var out []Named
	for _, e := range walk(m).entries {
		out = append(out, Named{e.name, e.field.Interface().(*ember.Tensor)})
	}
	return out
}

// LoadReport lists what LoadStateDict could not match.
type LoadReport struct {
	Missing    []string // keys the module has but the state dict lacks
	Unexpected []string // keys the state dict has but the module lacks
	Mismatched []string // keys present in both with different shapes
}

// OK reports whether everything matched.
func (r LoadReport) OK() bool {
	return len(r.Missing) == 0 && len(r.Unexpected) == 0 && len(r.Mismatched) == 0
}

func (r LoadReport) String() string {
	var parts []string
	if len(r.Missing) > 0 {
		parts = append(parts, "missing keys: "+strings.Join(r.Missing, ", "))
	}
	if len(r.Unexpected) > 0 {
		parts = append(parts, "unexpected keys: "+strings.Join(r.Unexpected, ", "))
	}
	if len(r.Mismatched) > 0 {
		parts = append(parts, "size mismatch: "+strings.Join(r.Mismatched, "; "))
	}
	return strings.Join(parts, "; ")
}

// ErrStateDict is wrapped by LoadStateDict's errors.
var ErrStateDict = errors.New("state dict does not match the module")

// LoadStateDict copies the tensors of sd into m's parameters and buffers by
// key (converting dtype and device to each parameter's, keeping the
// parameter tensors themselves, so optimizers stay attached). Shape
// mismatches are always errors; with strict, missing and unexpected keys
// are errors too. The report lists every problem by key.
func LoadStateDict(m Module, sd map[string]*ember.Tensor, strict bool) (LoadReport, error) {
	var rep LoadReport
	entries := walk(m).entries
	have := map[string]bool{}
	type pair struct{ dst, src *ember.Tensor }
	var todo []pair
	for _, e := range entries {
		have[e.name] = true
		dst := e.field.Interface().(*ember.Tensor)
		src, ok := sd[e.name]
		if !ok {
			rep.Missing = append(rep.Missing, e.name)
			continue
		}
		if !slices.Equal(src.Shape(), dst.Shape()) {
			rep.Mismatched = append(rep.Mismatched, fmt.Sprintf("%s: checkpoint has shape %v, module has %v", e.name, src.Shape(), dst.Shape()))
			continue
		}
		todo = append(todo, pair{dst, src})
	}
	for k := range sd {
		if !have[k] {
			rep.Unexpected = append(rep.Unexpected, k)
		}
	}
	slices.Sort(rep.Unexpected)
	if len(rep.Mismatched) > 0 || (strict && !rep.OK()) {
		return rep, fmt.Errorf("%w: %s", ErrStateDict, rep)
	}
	err := ember.Catch(func() {
		ember.NoGrad(func() {
			for _, p := range todo {
				p.dst.CopyFrom(p.src)
			}
		})
	})
	return rep, err
}

// StateMap returns the state dict as a map from key to tensor.
func StateMap(m Module) map[string]*ember.Tensor {
	out := map[string]*ember.Tensor{}
	for _, n := range StateDict(m) {
		out[n.Name] = n.Tensor
	}
	return out
}
