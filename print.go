package ember

import "fmt"

// String formats the tensor.
func (t *Tensor) String() string {
	return fmt.Sprintf("tensor(%v, shape=%v, dtype=%v)", t.Value(), t.shape, t.dtype)
}
