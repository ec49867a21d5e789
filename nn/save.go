package nn

import (
	"fmt"
	"maps"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/safetensors"
)

var toST = map[ember.DType]safetensors.DType{
	ember.Float32: safetensors.F32, ember.Float64: safetensors.F64, ember.BFloat16: safetensors.BF16,
	ember.Float16: safetensors.F16, ember.Int64: safetensors.I64, ember.Int32: safetensors.I32,
	ember.Uint8: safetensors.U8, ember.Bool: safetensors.Bool,
}

var fromST = map[safetensors.DType]ember.DType{}

func init() {
	for k, v := range toST {
		fromST[v] = k
	}
}

// SafetensorsTensors converts named tensors into safetensors entries
// (contiguous little-endian bytes).
func SafetensorsTensors(named []Named) ([]safetensors.Tensor, error) {
	out := make([]safetensors.Tensor, 0, len(named))
	for _, n := range named {
		dt, ok := toST[n.Tensor.DType()]
		if !ok {
			return nil, fmt.Errorf("nn: %s: dtype %v has no safetensors name", n.Name, n.Tensor.DType())
		}
		out = append(out, safetensors.Tensor{Name: n.Name, DType: dt, Shape: n.Tensor.Shape(), Data: n.Tensor.Detach().Bytes()})
	}
	return out, nil
}

// ReadSafetensors reads every tensor of an open safetensors file onto the
// CPU, by name.
func ReadSafetensors(f *safetensors.File) (map[string]*ember.Tensor, error) {
	out := make(map[string]*ember.Tensor, len(f.Tensors))
	for _, info := range f.Tensors {
		dt, ok := fromST[info.DType]
		if !ok {
			return nil, fmt.Errorf("nn: tensor %q has dtype %s, which Ember does not support", info.Name, info.DType)
		}
		raw, err := f.Bytes(info.Name)
		if err != nil {
			return nil, fmt.Errorf("nn: reading %q: %w", info.Name, err)
		}
		t, err := ember.FromBytes(dt, info.Shape, raw)
		if err != nil {
			return nil, fmt.Errorf("nn: tensor %q: %w", info.Name, err)
		}
		out[info.Name] = t
	}
	return out, nil
}

// Save writes m's state dict to a safetensors file, atomically (a crash
// mid-save leaves any previous file intact). Metadata is stored in the
// file's header.
func Save(path string, m Module, metadata map[string]string) error {
	ts, err := SafetensorsTensors(StateDict(m))
	if err != nil {
		return err
	}
	if err := safetensors.WriteFile(path, ts, maps.Clone(metadata)); err != nil {
		return fmt.Errorf("nn.Save: %w", err)
	}
	return nil
}

// Load reads a safetensors file (written by Save, or by PyTorch's
// safetensors for the same architecture) into m's parameters and buffers;
// see LoadStateDict for strict. It returns the file's metadata.
func Load(path string, m Module, strict bool) (map[string]string, LoadReport, error) {
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, LoadReport{}, fmt.Errorf("nn.Load: %w", err)
	}
	defer f.Close()
	sd, err := ReadSafetensors(f)
	if err != nil {
		return nil, LoadReport{}, fmt.Errorf("nn.Load %s: %w", path, err)
	}
	rep, err := LoadStateDict(m, sd, strict)
	if err != nil {
		return nil, rep, fmt.Errorf("nn.Load %s: %w", path, err)
	}
	return maps.Clone(f.Metadata), rep, nil
}
