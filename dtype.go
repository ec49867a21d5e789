package ember

import "github.com/emberdl/ember/backend"

// DType is a tensor's element type.
type DType = backend.DType

// The element types. Float32 is the default for floating-point data.
const (
	Float32  = backend.Float32
	Float64  = backend.Float64
	BFloat16 = backend.BFloat16
	Float16  = backend.Float16
	Int64    = backend.Int64
	Int32    = backend.Int32
	Uint8    = backend.Uint8
	Bool     = backend.Bool
)

// ParseDType returns the dtype with the given name ("float32", "bf16",
// "torch.long", ...).
func ParseDType(s string) (DType, error) { return backend.ParseDType(s) }

// dtypeCategory orders dtypes by kind for promotion: bool < integer < float.
func dtypeCategory(d DType) int {
	switch {
	case d == Bool:
		return 0
	case d.IsInt():
		return 1
	}
	return 2
}

// promoteTypes returns the smallest dtype that can hold values of both, as
// torch.promote_types does.
func promoteTypes(a, b DType) DType {
	if a == b {
		return a
	}
	ca, cb := dtypeCategory(a), dtypeCategory(b)
	if ca != cb {
		if ca > cb {
			return a
		}
		return b
	}
	switch ca {
	case 0:
		return Bool
	case 1:
		// uint8 with a signed type gives the signed type; int32+int64 = int64.
		if a == Int64 || b == Int64 {
			return Int64
		}
		if a == Int32 || b == Int32 {
			return Int32
		}
		return Uint8
	}
	if a == Float64 || b == Float64 {
		return Float64
	}
	if a == Float32 || b == Float32 {
		return Float32
	}
	// bfloat16 with float16 promotes to float32, as in PyTorch.
	return Float32
}

// resultType applies PyTorch's rule for an op's operands: dimensioned
// tensors decide the dtype within their category, 0-d tensors only when they
// are of a higher category, and wrapped Go numbers (Scalar) last; a float
// scalar with integer tensors gives the default float dtype.
func resultType(ts ...*Tensor) DType {
	var dims, zero, wrapped DType
	hasDims, hasZero, hasWrapped := false, false, false
	upd := func(cur *DType, has *bool, d DType) {
		if !*has {
			*cur, *has = d, true
			return
		}
		*cur = promoteTypes(*cur, d)
	}
	for _, t := range ts {
		switch {
		case t.wrapped:
			upd(&wrapped, &hasWrapped, t.dtype)
		case len(t.shape) == 0:
			upd(&zero, &hasZero, t.dtype)
		default:
			upd(&dims, &hasDims, t.dtype)
		}
	}
	res, has := dims, hasDims
	combine := func(d DType, ok bool, isWrapped bool) {
		if !ok {
			return
		}
		if !has {
			res, has = d, true
			return
		}
		if dtypeCategory(d) > dtypeCategory(res) {
			if isWrapped && d.IsFloat() {
				res = DefaultDType()
			} else {
				res = d
			}
		}
	}
	combine(zero, hasZero, false)
	combine(wrapped, hasWrapped, true)
	if !has {
		return DefaultDType()
	}
	return res
}

var defaultDType = Float32

// DefaultDType returns the dtype of floating-point tensors made from Go
// numbers (float32 unless changed by SetDefaultDType).
func DefaultDType() DType { return defaultDType }

// SetDefaultDType changes the default floating-point dtype (like
// torch.set_default_dtype); d must be Float32 or Float64.
func SetDefaultDType(d DType) {
	if d != Float32 && d != Float64 {
		panic(&DTypeError{Op: "SetDefaultDType", Msg: "the default dtype must be float32 or float64, not " + d.String()})
	}
	defaultDType = d
}
