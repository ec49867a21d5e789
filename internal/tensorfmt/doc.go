// Package tensorfmt writes a tensor as text exactly the way PyTorch 1.13's
// repr(tensor) and str(tensor) do: "tensor([...])" with four decimals, the
// same choice between fixed, integer ("1.") and scientific notation, the
// same column widths, line wrapping at 80 characters, summarisation of large
// tensors with "...", and the same suffixes (device, size of empty tensors,
// non-default dtype, grad_fn or requires_grad).
//
// The package knows nothing of Ember's Tensor type: a caller describes the
// tensor with a Tensor value (shape, kind, an element accessor and the
// suffix facts) and calls Format.
//
// Only the dense, strided, real-valued case is covered: PyTorch's complex,
// sparse, quantized, named and nested tensors have no counterpart in Ember.
package tensorfmt
