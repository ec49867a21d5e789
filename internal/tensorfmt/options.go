package tensorfmt

// SciMode forces or forbids scientific notation for float tensors.
type SciMode int

// The scientific-notation settings (PyTorch's sci_mode None, True, False).
const (
	SciAuto SciMode = iota // chosen from the values, as PyTorch does
	SciOn                  // always scientific
	SciOff                 // never scientific
)

// Options are PyTorch's print options (torch.set_printoptions).
type Options struct {
	Precision int     // digits after the decimal point
	Threshold int     // tensors with more elements are summarised
	EdgeItems int     // items kept at each end of a summarised dimension
	LineWidth int     // characters per line before wrapping
	SciMode   SciMode // scientific notation: automatic, forced on or off
}

// DefaultOptions returns PyTorch's defaults: precision 4, threshold 1000,
// edge items 3, line width 80, automatic scientific notation.
func DefaultOptions() Options {
	return Options{Precision: 4, Threshold: 1000, EdgeItems: 3, LineWidth: 80}
}
