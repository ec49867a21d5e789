package nn

import "github.com/emberdl/ember"

// creationOpts keeps the options that describe where and how a tensor is
// stored (dtype, device), dropping generators, which only random
// initialisers read.
func creationOpts(opts []ember.Option) []ember.Option {
	var keep []ember.Option
	for _, o := range opts {
		switch o.(type) {
		case ember.DType, ember.Device:
			keep = append(keep, o)
		}
	}
	return keep
}

// paramFull makes a leaf parameter filled with v that requires gradients.
func paramFull(shape []int, v float64, opts []ember.Option) *ember.Tensor {
	return ember.Full(shape, v, creationOpts(opts)...).SetRequiresGrad(true)
}

// buffer makes a buffer filled with v (dtype and device from opts); buffers
// never require gradients.
func buffer(shape []int, v float64, opts []ember.Option) *ember.Tensor {
	return ember.Full(shape, v, creationOpts(opts)...)
}

// counterBuffer makes a 0-d int64 zero on the device of opts, like
// PyTorch's num_batches_tracked.
func counterBuffer(opts []ember.Option) *ember.Tensor {
	keep := []ember.Option{ember.Int64}
	for _, o := range opts {
		if d, ok := o.(ember.Device); ok {
			keep = append(keep, d)
		}
	}
	return ember.Zeros([]int{}, keep...)
}

// valueErr builds the error a constructor panics with for a bad argument.
func valueErr(op, msg string) *ember.ValueError { return &ember.ValueError{Op: op, Msg: msg} }
