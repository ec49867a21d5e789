package ember

import (
	"github.com/emberdl/ember/internal/tensorfmt"
)

// PrintOptions are PyTorch's print options for String (precision, the
// summarisation threshold, edge items, line width, scientific notation).
type PrintOptions = tensorfmt.Options

var printOptions = tensorfmt.DefaultOptions()

// SetPrintOptions changes how tensors print (like torch.set_printoptions).
func SetPrintOptions(o PrintOptions) { printOptions = o }

// String formats the tensor exactly as PyTorch's repr does:
//
//	tensor([[1.0000, 2.5000],
//	        [3.0000, 4.0000]], requires_grad=True)
func (t *Tensor) String() string {
	ft := tensorfmt.Tensor{Shape: t.shape, RequiresGrad: t.requiresGrad && t.node == nil, GradFn: t.GradFn()}
	if t.st.dev != CPU {
		ft.Device = t.st.dev.String()
	}
	ft.DType = t.dtype.String()
	var f64 []float64
	var i64 []int64
	switch {
	case t.dtype == Bool:
		ft.Kind = tensorfmt.Bool
		f64 = t.Float64s()
	case t.dtype.IsFloat():
		ft.Kind = tensorfmt.Float
		f64 = t.Float64s()
	default:
		ft.Kind = tensorfmt.Int
		i64 = t.Int64s()
		ft.AtInt = func(i int) int64 { return i64[i] }
		ft.At = func(i int) float64 { return float64(i64[i]) }
	}
	if ft.At == nil {
		ft.At = func(i int) float64 { return f64[i] }
	}
	return printOptions.Format(ft)
}
