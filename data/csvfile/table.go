package csvfile

import "fmt"

// Table is a parsed CSV file: Rows rows of NumFeatures float32 features,
// stored row-major, and one label per row when the schema has a label.
type Table struct {
	Schema *Schema   // column layout and category mappings
	Rows   int       // number of data rows
	X      []float32 // Rows × NumFeatures feature values, row-major
	Y      []float32 // Rows labels (category indices for a categorical label); nil without a label
}

// NumFeatures returns the number of feature columns.
func (t *Table) NumFeatures() int { return len(t.Schema.Features) }

// Row returns the features of row i (sharing t.X).
func (t *Table) Row(i int) []float32 {
	n := t.NumFeatures()
	return t.X[i*n : (i+1)*n]
}

// Split returns the first n rows and the remaining rows as two tables that
// share t's storage and schema.
func (t *Table) Split(n int) (head, tail *Table, err error) {
	if n < 0 || n > t.Rows {
		return nil, nil, fmt.Errorf("csvfile: cannot split %d rows at %d", t.Rows, n)
	}
	f := t.NumFeatures()
	head = &Table{Schema: t.Schema, Rows: n, X: t.X[: n*f : n*f]}
	tail = &Table{Schema: t.Schema, Rows: t.Rows - n, X: t.X[n*f:]}
	if t.Y != nil {
		head.Y, tail.Y = t.Y[:n:n], t.Y[n:]
	}
	return head, tail, nil
}
