package nn

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"unicode"

	"github.com/emberdl/ember"
)

// Module is a pointer to a struct of parameters, buffers and submodules
// (see the package documentation for the field rules).
type Module any

// Layer is a module with a forward pass from one tensor to one tensor; it
// is what Sequential chains.
type Layer interface {
	Forward(x *ember.Tensor) *ember.Tensor
}

// Named is a tensor with its state-dict key.
type Named struct {
	Name   string
	Tensor *ember.Tensor
}

// entry is one tensor found in a module, with where it lives so it can be
// replaced.
type entry struct {
	name   string
	buffer bool
	field  reflect.Value // settable *ember.Tensor field
	owner  any           // the module that holds the field
}

var (
	tensorType    = reflect.TypeFor[*ember.Tensor]()
	namedListType = reflect.TypeFor[[]Named]()
)

// namedField is one tensor of a []Named field: its own name and the
// settable Tensor field of its element.
type namedField struct {
	name  string
	field reflect.Value
}

// namedTensorFields lists the non-nil tensors of a []Named field, in order.
func namedTensorFields(v reflect.Value) []namedField {
	var out []namedField
	for i := 0; i < v.Len(); i++ {
		el := v.Index(i)
		t := el.FieldByName("Tensor")
		if !t.IsNil() {
			out = append(out, namedField{el.FieldByName("Name").String(), t})
		}
	}
	return out
}

// fieldSpec is what a struct tag says.
type fieldSpec struct {
	name   string
	buffer bool
	inline bool
	skip   bool
}

func parseTag(f reflect.StructField) fieldSpec {
	s := fieldSpec{name: snake(f.Name)}
	tag, ok := f.Tag.Lookup("nn")
	if !ok {
		return s
	}
	if tag == "-" {
		return fieldSpec{skip: true}
	}
	for i, part := range strings.Split(tag, ",") {
		part = strings.TrimSpace(part)
		switch {
		case part == "buffer":
			s.buffer = true
		case part == "inline":
			s.inline = true
		case strings.HasPrefix(part, "name="):
			s.name = strings.TrimPrefix(part, "name=")
		case i == 0 && part != "":
			s.name = part
		}
	}
	return s
}

// snake turns a Go field name into a PyTorch-style key: "RunningMean" →
// "running_mean", "FC1" → "fc1", "InProjWeight" → "in_proj_weight",
// "BN1" → "bn1".
func snake(name string) string {
	rs := []rune(name)
	var b strings.Builder
	for i, r := range rs {
		if unicode.IsUpper(r) {
			prevLower := i > 0 && (unicode.IsLower(rs[i-1]))
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			prevUpper := i > 0 && unicode.IsUpper(rs[i-1])
			if i > 0 && (prevLower || (prevUpper && nextLower)) {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func join(prefix, name string) string {
	switch {
	case prefix == "":
		return name
	case name == "":
		return prefix
	}
	return prefix + "." + name
}

// walk visits every tensor and every submodule of m, depth first, own
// tensors before submodules (PyTorch's state-dict order).
type walker struct {
	entries []entry
	modules []namedModule
	seen    map[uintptr]bool
}

type namedModule struct {
	name string
	mod  any
}

func walk(m Module) *walker {
	w := &walker{seen: map[uintptr]bool{}}
	w.module("", reflect.ValueOf(m))
	return w
}

func (w *walker) module(prefix string, v reflect.Value) {
	for v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return
	}
	if w.seen[v.Pointer()] {
		return // shared submodule: its tensors are listed once
	}
	w.seen[v.Pointer()] = true
	w.modules = append(w.modules, namedModule{prefix, v.Interface()})
	owner := v.Interface()
	var subs []func()
	var visit func(s reflect.Value, prefix string)
	visit = func(s reflect.Value, prefix string) {
		t := s.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			spec := parseTag(f)
			if spec.skip {
				continue
			}
			fv := s.Field(i)
			if f.Anonymous && f.Type.Kind() == reflect.Struct {
				visit(fv, prefix)
				continue
			}
			name := join(prefix, spec.name)
			if spec.inline {
				name = prefix
			}
			if f.Type == tensorType {
				if !fv.IsNil() {
					w.entries = append(w.entries, entry{name: name, buffer: spec.buffer, field: fv, owner: owner})
				}
				continue
			}
			if f.Type == namedListType {
				for _, el := range namedTensorFields(fv) {
					w.entries = append(w.entries, entry{name: join(name, el.name), buffer: spec.buffer, field: el.field, owner: owner})
				}
				continue
			}
			subs = append(subs, func() { w.container(name, fv) })
		}
	}
	visit(v.Elem(), prefix)
	for _, s := range subs {
		s()
	}
}

// container visits a field that may hold submodules.
func (w *walker) container(prefix string, v reflect.Value) {
	switch v.Kind() {
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			w.container(join(prefix, fmt.Sprint(i)), v.Index(i))
		}
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return
		}
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		for _, k := range keys {
			w.container(join(prefix, k.String()), v.MapIndex(k))
		}
	case reflect.Pointer, reflect.Interface:
		w.module(prefix, v)
	}
}

// NamedParameters returns the parameters of m with their state-dict keys.
func NamedParameters(m Module) []Named {
	var out []Named
	for _, e := range walk(m).entries {
		if !e.buffer {
			out = append(out, Named{e.name, e.field.Interface().(*ember.Tensor)})
		}
	}
	return out
}

// Parameters returns the parameters of m (what an optimizer updates).
func Parameters(m Module) []*ember.Tensor {
	var out []*ember.Tensor
	for _, n := range NamedParameters(m) {
		out = append(out, n.Tensor)
	}
	return out
}

// TrainableParameters returns the parameters that require gradients.
func TrainableParameters(m Module) []*ember.Tensor {
	var out []*ember.Tensor
	for _, p := range Parameters(m) {
		if p.RequiresGrad() {
			out = append(out, p)
		}
	}
	return out
}

// NamedBuffers returns the buffers of m (state that is saved but not
// trained, such as running statistics).
func NamedBuffers(m Module) []Named {
	var out []Named
	for _, e := range walk(m).entries {
		if e.buffer {
			out = append(out, Named{e.name, e.field.Interface().(*ember.Tensor)})
		}
	}
	return out
}

// NamedModule is a submodule with its dotted name.
type NamedModule struct {
	Name   string
	Module any
}

// NamedModules returns m and every submodule with its dotted name ("" for m).
func NamedModules(m Module) []NamedModule {
	var out []NamedModule
	for _, nm := range walk(m).modules {
		out = append(out, NamedModule{nm.name, nm.mod})
	}
	return out
}

// NumParams returns the number of parameter elements (trainable only when
// trainableOnly is set).
func NumParams(m Module, trainableOnly bool) int {
	n := 0
	for _, p := range Parameters(m) {
		if !trainableOnly || p.RequiresGrad() {
			n += p.Numel()
		}
	}
	return n
}

// ZeroGrad clears the gradients of every parameter (set to none).
func ZeroGrad(m Module) {
	for _, p := range Parameters(m) {
		p.SetGrad(nil)
	}
}

// Freeze stops gradients for every parameter of m; Unfreeze restarts them.
func Freeze(m Module) { setRequiresGrad(m, false) }

// Unfreeze makes every parameter of m require gradients again.
func Unfreeze(m Module) { setRequiresGrad(m, true) }

func setRequiresGrad(m Module, on bool) {
	for _, p := range Parameters(m) {
		p.SetRequiresGrad(on)
	}
}

// trainingSetter is implemented by modules that behave differently in
// training and evaluation (Dropout, BatchNorm), usually through Mode.
type trainingSetter interface{ SetTraining(bool) }

// Train puts m and all its submodules in training mode.
func Train(m Module) { setTraining(m, true) }

// Eval puts m and all its submodules in evaluation mode.
func Eval(m Module) { setTraining(m, false) }

func setTraining(m Module, on bool) {
	for _, nm := range walk(m).modules {
		if s, ok := nm.mod.(trainingSetter); ok {
			s.SetTraining(on)
		}
	}
}

// Mode is embedded by layers whose behaviour depends on training versus
// evaluation. The zero value is training mode, as in PyTorch.
type Mode struct {
	eval bool
}

// Training reports whether the layer is in training mode.
func (m *Mode) Training() bool { return !m.eval }

// SetTraining switches between training (true) and evaluation (false).
func (m *Mode) SetTraining(on bool) { m.eval = !on }

// To moves (and/or converts) every parameter and buffer of m in place, so
// optimizers created earlier keep working. Targets are those of
// ember.Tensor.To: a Device and/or a floating-point DType (integer buffers
// keep their dtype). It returns an error when a device cannot be used.
func To(m Module, targets ...ember.Option) error {
	var dev *ember.Device
	var dt *ember.DType
	for _, t := range targets {
		switch v := t.(type) {
		case ember.Device:
			dev = &v
		case ember.DType:
			dt = &v
		default:
			return fmt.Errorf("nn.To: unsupported target %T (want a Device or a DType)", t)
		}
	}
	if dev != nil {
		if err := ember.Available(*dev); err != nil {
			return fmt.Errorf("nn.To: %w", err)
		}
	}
	return ember.Catch(func() {
		ember.NoGrad(func() {
			for _, e := range walk(m).entries {
				t := e.field.Interface().(*ember.Tensor)
				var opts []ember.Option
				if dev != nil {
					opts = append(opts, *dev)
				}
				if dt != nil && t.DType().IsFloat() {
					opts = append(opts, *dt)
				}
				if len(opts) == 0 {
					continue
				}
				moved := t.To(opts...)
				if moved == t {
					continue
				}
				var g *ember.Tensor
				if old := t.Grad(); old != nil {
					g = old.To(opts...)
				}
				t.SetGrad(nil)
				t.SetData(moved)
				t.SetGrad(g)
			}
		})
	})
}
