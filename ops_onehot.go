package ember

import "fmt"

// OneHot returns the one-hot encoding of the class indices in t, like
// torch.nn.functional.one_hot: an int64 tensor of shape [t.Shape()...,
// numClasses] with a 1 at each index and 0 elsewhere. numClasses = -1 uses
// the largest index plus one. t must hold integers in [0, numClasses).
func (t *Tensor) OneHot(numClasses int) *Tensor {
	if !t.dtype.IsInt() {
		panic(&DTypeError{Op: "one_hot", Msg: "one_hot is only applicable to index tensor, got " + t.dtype.String()})
	}
	if numClasses < -1 {
		panic(&ValueError{Op: "one_hot", Msg: fmt.Sprintf("num_classes must be positive or -1, got %d", numClasses)})
	}
	if t.Numel() == 0 {
		if numClasses == -1 {
			panic(&ValueError{Op: "one_hot", Msg: "Can not infer total number of classes from empty tensor."})
		}
	} else {
		lo, hi := t.Amin().ItemInt(), t.Amax().ItemInt()
		if lo < 0 {
			panic(&ValueError{Op: "one_hot", Msg: fmt.Sprintf("Class values must be non-negative (found %d).", lo)})
		}
		if numClasses == -1 {
			numClasses = int(hi) + 1
		} else if hi >= int64(numClasses) {
			panic(&ValueError{Op: "one_hot", Msg: fmt.Sprintf("Class values must be smaller than num_classes (found %d for %d classes).", hi, numClasses)})
		}
	}
	classes := Arange(0, float64(numClasses), 1, Int64, t.st.dev)
	return t.Unsqueeze(-1).Eq(classes).castNoGrad(Int64)
}
