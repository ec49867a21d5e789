package tensorfmt

// Kind is how elements are written: as floating point, integer or boolean.
type Kind int

// The element kinds.
const (
	Float Kind = iota // float32, float64, float16, bfloat16
	Int               // int64, int32, int16, int8, uint8
	Bool              // bool
)

// Tensor describes what Format needs to know about a tensor.
type Tensor struct {
	// Shape lists the size of each dimension; empty for a 0-d tensor.
	Shape []int
	// Kind selects float, integer or boolean formatting.
	Kind Kind
	// At returns element i in row-major order (for Bool, nonzero is true).
	// Format calls it only for the elements it prints or measures.
	At func(i int) float64
	// AtInt, if set, is used instead of At for Int tensors, so that int64
	// values beyond 2^53 print exactly.
	AtInt func(i int) int64
	// DType is PyTorch's dtype name without "torch.", such as "float64" or
	// "int32"; empty means the default for Kind (float32, int64, bool). It
	// is printed when it is not float32, int64 or bool (for empty tensors,
	// when it is not float32).
	DType string
	// Device is where the tensor lives, such as "cuda:0"; empty or "cpu"
	// prints nothing.
	Device string
	// RequiresGrad prints requires_grad=True when GradFn is empty.
	RequiresGrad bool
	// GradFn is the name of the node that made the tensor, such as
	// "AddBackward0", printed as grad_fn=<AddBackward0>.
	GradFn string
}

// dtype returns the tensor's dtype name, filling in the default for its kind.
func (t *Tensor) dtype() string {
	if t.DType != "" {
		return t.DType
	}
	switch t.Kind {
	case Int:
		return "int64"
	case Bool:
		return "bool"
	}
	return "float32"
}

// numel returns the number of elements: the product of the shape.
func (t *Tensor) numel() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}
