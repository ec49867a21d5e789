package nn

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/emberdl/ember"
)

// tracer collects the output shapes of layers while Summary runs a forward
// pass. Built-in layers report through traced.
type tracer struct {
	mu   sync.Mutex
	outs map[any][]int
	seen []any
}

var activeTracer atomic.Pointer[tracer]

// traced reports a layer's output to an active Summary and returns out.
// Layers written outside this package may call Traced to appear in
// summaries too.
func traced(layer any, out *ember.Tensor) *ember.Tensor {
	if tr := activeTracer.Load(); tr != nil && out != nil {
		tr.mu.Lock()
		if _, ok := tr.outs[layer]; !ok {
			tr.seen = append(tr.seen, layer)
		}
		tr.outs[layer] = out.Shape()
		tr.mu.Unlock()
	}
	return out
}

// Traced lets a user-defined layer report its output shape to Summary; call
// it as the last step of Forward: `return nn.Traced(m, out)`.
func Traced(layer any, out *ember.Tensor) *ember.Tensor { return traced(layer, out) }

// Summary runs m once on a zero input of the given shape (batch included)
// and returns a Keras-style table: each layer's name and type, its output
// shape and its own parameter count, then the totals.
func Summary(m Layer, inputShape ...int) (string, error) {
	tr := &tracer{outs: map[any][]int{}}
	if !activeTracer.CompareAndSwap(nil, tr) {
		return "", fmt.Errorf("nn.Summary: another summary is running")
	}
	defer activeTracer.Store(nil)
	dev := ember.CPU
	if ps := Parameters(m); len(ps) > 0 {
		dev = ps[0].Device()
	}
	// Run in evaluation mode, so that the zero input leaves running
	// statistics alone, then restore every module's mode.
	type moder interface {
		Training() bool
		SetTraining(bool)
	}
	var restore []func()
	for _, nm := range NamedModules(m) {
		if md, ok := nm.Module.(moder); ok {
			was := md.Training()
			restore = append(restore, func() { md.SetTraining(was) })
		}
	}
	Eval(m)
	defer func() {
		for _, r := range restore {
			r()
		}
	}()
	err := ember.Catch(func() {
		ember.NoGrad(func() { m.Forward(ember.Zeros(inputShape, dev)) })
	})
	if err != nil {
		return "", fmt.Errorf("nn.Summary: forward pass on %v failed: %w", inputShape, err)
	}
	names := map[any]string{}
	for _, nm := range NamedModules(m) {
		if _, ok := names[nm.Module]; !ok {
			names[nm.Module] = nm.Name
		}
	}
	type row struct{ name, typ, shape, params string }
	var rows []row
	for _, l := range tr.seen {
		if l == any(m) && len(tr.seen) > 1 {
			continue
		}
		name, ok := names[l]
		if !ok {
			continue
		}
		own := 0
		for _, p := range ownParameters(l) {
			own += p.Numel()
		}
		t := reflect.TypeOf(l)
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if name == "" {
			name = "(model)"
		}
		rows = append(rows, row{name, t.Name(), fmt.Sprint(tr.outs[l]), commas(own)})
	}
	w := [3]int{len("Layer (type)"), len("Output Shape"), len("Param #")}
	for _, r := range rows {
		w[0] = max(w[0], len(r.name)+len(r.typ)+3)
		w[1] = max(w[1], len(r.shape))
		w[2] = max(w[2], len(r.params))
	}
	var b strings.Builder
	line := strings.Repeat("=", w[0]+w[1]+w[2]+6)
	fmt.Fprintf(&b, "%-*s   %-*s   %*s\n%s\n", w[0], "Layer (type)", w[1], "Output Shape", w[2], "Param #", line)
	for _, r := range rows {
		fmt.Fprintf(&b, "%-*s   %-*s   %*s\n", w[0], r.name+" ("+r.typ+")", w[1], r.shape, w[2], r.params)
	}
	total, trainable := NumParams(m, false), NumParams(m, true)
	fmt.Fprintf(&b, "%s\nTotal params: %s\nTrainable params: %s\nNon-trainable params: %s\n", line, commas(total), commas(trainable), commas(total-trainable))
	return b.String(), nil
}

// ownParameters returns the parameters held directly by a module (not by
// its submodules).
func ownParameters(m any) []*ember.Tensor {
	w := &walker{seen: map[uintptr]bool{}}
	v := reflect.ValueOf(m)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	w.seen[v.Pointer()] = true
	// Only this struct's own tensor fields.
	var out []*ember.Tensor
	var visit func(s reflect.Value)
	visit = func(s reflect.Value) {
		t := s.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			spec := parseTag(f)
			if spec.skip || spec.buffer {
				continue
			}
			if f.Anonymous && f.Type.Kind() == reflect.Struct {
				visit(s.Field(i))
				continue
			}
			if f.Type == tensorType && !s.Field(i).IsNil() {
				out = append(out, s.Field(i).Interface().(*ember.Tensor))
			}
			if f.Type == namedListType {
				for _, el := range namedTensorFields(s.Field(i)) {
					out = append(out, el.field.Interface().(*ember.Tensor))
				}
			}
		}
	}
	visit(v.Elem())
	return out
}

// commas formats n with thousands separators.
func commas(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
