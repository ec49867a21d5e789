package optim

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/emberdl/ember"
)

// StateDict is an optimizer's resumable state. Everything but Tensors
// marshals to JSON (a checkpoint's metadata); Tensors holds the state
// tensors keyed "state.<param>.<name>" (a checkpoint's tensor file), where
// <param> counts parameters through all groups in order and <name> is
// PyTorch's state name (momentum_buffer, exp_avg, exp_avg_sq,
// max_exp_avg_sq, square_avg, grad_avg, sum).
type StateDict struct {
	// Optimizer is the optimizer's kind ("Adam").
	Optimizer string `json:"optimizer"`
	// Groups holds each group's hyper-parameters and parameter indices.
	Groups []GroupState `json:"param_groups"`
	// State holds the per-parameter scalars of every parameter updated at
	// least once, by parameter index.
	State map[int]ParamState `json:"state"`
	// Tensors holds the state tensors.
	Tensors map[string]*ember.Tensor `json:"-"`
}

// GroupState is one parameter group in a StateDict.
type GroupState struct {
	Hyper
	// Params lists the indices of the group's parameters.
	Params []int `json:"params"`
}

// ParamState holds one parameter's scalar state.
type ParamState struct {
	// Step counts the parameter's updates.
	Step int `json:"step"`
}

// StateDict returns a snapshot of the state: the tensors are copies, so
// later steps do not change it.
func (c *core) StateDict() *StateDict {
	sd := &StateDict{Optimizer: c.spec.name, State: map[int]ParamState{}, Tensors: map[string]*ember.Tensor{}}
	idx := 0
	for _, g := range c.groups {
		gs := GroupState{Hyper: g.h}
		for pi := range g.params {
			gs.Params = append(gs.Params, idx)
			s := &g.slots[pi]
			if s.step > 0 || hasState(s) {
				sd.State[idx] = ParamState{Step: s.step}
			}
			for i, t := range s.state {
				if t != nil {
					ember.NoGrad(func() { sd.Tensors[stateKey(idx, c.spec.state[i])] = t.Clone() })
				}
			}
			idx++
		}
		sd.Groups = append(sd.Groups, gs)
	}
	return sd
}

func hasState(s *slot) bool {
	for _, t := range s.state {
		if t != nil {
			return true
		}
	}
	return false
}

func stateKey(param int, name string) string { return "state." + strconv.Itoa(param) + "." + name }

// LoadStateDict restores a snapshot. It checks everything first (the
// optimizer kind, the group layout, every index, name, shape and
// hyper-parameter) and changes nothing unless all of it is valid. Tensors
// are copied to each parameter's dtype and device.
func (c *core) LoadStateDict(sd *StateDict) error {
	if sd == nil {
		return errors.New("optim: LoadStateDict: nil state dict")
	}
	name := c.spec.name
	if sd.Optimizer != name {
		return fmt.Errorf("optim: loading a %q state dict into %s", sd.Optimizer, name)
	}
	if len(sd.Groups) != len(c.groups) {
		return fmt.Errorf("optim: %s state dict has %d parameter groups, the optimizer %d", name, len(sd.Groups), len(c.groups))
	}
	// Saved parameter index -> (group, position), matched by order.
	type place struct{ g, p int }
	where := map[int]place{}
	hypers := make([]Hyper, len(c.groups))
	for gi, gs := range sd.Groups {
		if len(gs.Params) != len(c.groups[gi].params) {
			return fmt.Errorf("optim: %s state dict group %d has %d parameters, the optimizer's %d", name, gi, len(gs.Params), len(c.groups[gi].params))
		}
		for pi, k := range gs.Params {
			if _, dup := where[k]; dup {
				return fmt.Errorf("optim: %s state dict lists parameter %d twice", name, k)
			}
			where[k] = place{gi, pi}
		}
		h := gs.Hyper
		if err := ember.Catch(func() { c.spec.validate(name, &h) }); err != nil {
			return fmt.Errorf("optim: %s state dict group %d: %w", name, gi, err)
		}
		hypers[gi] = h
	}
	slots := make([][]slot, len(c.groups))
	for gi, g := range c.groups {
		slots[gi] = make([]slot, len(g.params))
	}
	for k, ps := range sd.State {
		at, ok := where[k]
		if !ok {
			return fmt.Errorf("optim: %s state dict has state for parameter %d, which no group lists", name, k)
		}
		if ps.Step < 0 {
			return fmt.Errorf("optim: %s state dict: parameter %d has step %d", name, k, ps.Step)
		}
		slots[at.g][at.p].step = ps.Step
	}
	for key, t := range sd.Tensors {
		k, i, err := c.parseKey(key)
		if err != nil {
			return err
		}
		at, ok := where[k]
		if !ok {
			return fmt.Errorf("optim: %s state dict tensor %q: no group lists parameter %d", name, key, k)
		}
		if _, ok := sd.State[k]; !ok {
			return fmt.Errorf("optim: %s state dict tensor %q: parameter %d has no step count", name, key, k)
		}
		p := c.groups[at.g].params[at.p]
		if t == nil || !slices.Equal(t.Shape(), p.Shape()) {
			return fmt.Errorf("optim: %s state dict tensor %q has shape %v, the parameter %v", name, key, shapeOf(t), p.Shape())
		}
		if !t.DType().IsFloat() {
			return fmt.Errorf("optim: %s state dict tensor %q has dtype %v, want a floating-point dtype", name, key, t.DType())
		}
		ember.NoGrad(func() { slots[at.g][at.p].state[i] = t.Detach().To(p.DType(), p.Device()).Contiguous().Clone() })
	}
	// A parameter that was updated has every state its kind always keeps.
	for k, ps := range sd.State {
		at := where[k]
		for i, n := range c.spec.state {
			if ps.Step > 0 && c.spec.uses(&Hyper{}, i) && slots[at.g][at.p].state[i] == nil {
				return fmt.Errorf("optim: %s state dict has no tensor %q for parameter %d, updated %d times", name, stateKey(k, n), k, ps.Step)
			}
		}
	}
	for gi := range c.groups {
		c.groups[gi].h = hypers[gi]
		c.groups[gi].slots = slots[gi]
	}
	return nil
}

// parseKey splits "state.<param>.<name>" into the parameter index and the
// index of the state name.
func (c *core) parseKey(key string) (param, state int, err error) {
	parts := strings.Split(key, ".")
	if len(parts) != 3 || parts[0] != "state" {
		return 0, 0, fmt.Errorf("optim: %s state dict tensor key %q is not state.<param>.<name>", c.spec.name, key)
	}
	param, err = strconv.Atoi(parts[1])
	if err != nil {
		return 0, 0, fmt.Errorf("optim: %s state dict tensor key %q: bad parameter index: %w", c.spec.name, key, err)
	}
	state = slices.Index(c.spec.state, parts[2])
	if state < 0 {
		return 0, 0, fmt.Errorf("optim: %s state dict tensor key %q: %s keeps no %q state (it keeps %v)", c.spec.name, key, c.spec.name, parts[2], c.spec.state)
	}
	return param, state, nil
}

func shapeOf(t *ember.Tensor) any {
	if t == nil {
		return "nil"
	}
	return t.Shape()
}
