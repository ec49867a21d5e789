package optim

import (
	"fmt"
	"math"

	"github.com/emberdl/ember"
)

// Zero asks for a literal zero in an options field whose zero value would
// select a non-zero PyTorch default (AdamOptions{WeightDecay: Zero} for
// AdamW without weight decay). It is negative zero: used as a number it is
// exactly 0; the constructors tell it from an unset field by its sign.
var Zero = math.Copysign(0, -1)

// orDefault resolves an options field: an unset (positive) zero becomes
// def, Zero becomes 0, anything else stays.
func orDefault(v, def float64) float64 {
	if v == 0 {
		if math.Signbit(v) {
			return 0
		}
		return def
	}
	return v
}

// check panics with an *ember.ValueError naming op unless ok.
func check(ok bool, op, format string, args ...any) {
	if !ok {
		panic(&ember.ValueError{Op: op, Msg: fmt.Sprintf(format, args...)})
	}
}

// nonNegative panics unless v >= 0 (NaN fails), with PyTorch's wording.
func nonNegative(op, what string, v float64) {
	check(v >= 0, op, "Invalid %s: %v", what, v)
}

// beta panics unless 0 <= v < 1.
func beta(op string, i int, v float64) {
	check(v >= 0 && v < 1, op, "Invalid beta parameter at index %d: %v", i, v)
}

// isZeroSentinel reports whether v is Zero (negative zero).
func isZeroSentinel(v float64) bool { return v == 0 && math.Signbit(v) }
