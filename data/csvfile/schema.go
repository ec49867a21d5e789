package csvfile

import (
	"fmt"
	"slices"
)

// Kind says how a column's text becomes a number.
type Kind int

// The column kinds.
const (
	Numeric     Kind = iota // the text is a decimal number
	Categorical             // the text is a category name, mapped to its index
)

// String returns "numeric" or "categorical".
func (k Kind) String() string {
	if k == Categorical {
		return "categorical"
	}
	return "numeric"
}

// Column describes one column of the output.
type Column struct {
	Name       string   // header name
	Kind       Kind     // numeric or categorical
	Categories []string // categorical only: the names, in index order
}

// Index returns the index of category name in a categorical column.
func (c *Column) Index(name string) (int, bool) {
	i, ok := slices.BinarySearch(c.Categories, name)
	return i, ok
}

// Schema is the layout learned from a file: the feature columns in output
// order and the label column. Pass it in Options.Schema to read another file
// the same way.
type Schema struct {
	Features []Column // one per feature, in the order of the values in a row
	Label    *Column  // nil when the table has no label column
}

// FeatureNames returns the names of the feature columns in order.
func (s *Schema) FeatureNames() []string {
	names := make([]string, len(s.Features))
	for i, c := range s.Features {
		names[i] = c.Name
	}
	return names
}

// clone returns a deep copy so that callers cannot change a shared schema.
func (s *Schema) clone() *Schema {
	out := &Schema{Features: make([]Column, len(s.Features))}
	for i, c := range s.Features {
		c.Categories = slices.Clone(c.Categories)
		out.Features[i] = c
	}
	if s.Label != nil {
		l := *s.Label
		l.Categories = slices.Clone(l.Categories)
		out.Label = &l
	}
	return out
}

// validate checks that categorical columns have sorted, distinct categories.
func (s *Schema) validate() error {
	cols := append([]Column(nil), s.Features...)
	if s.Label != nil {
		cols = append(cols, *s.Label)
	}
	for _, c := range cols {
		if c.Kind != Categorical {
			continue
		}
		for i := 1; i < len(c.Categories); i++ {
			if c.Categories[i-1] >= c.Categories[i] {
				return fmt.Errorf("csvfile: schema column %q: categories must be sorted and distinct", c.Name)
			}
		}
	}
	return nil
}
