package csvfile

import (
	"fmt"
	"strings"
)

// Cell locates one value in the input.
type Cell struct {
	Line   int    // line in the file, 1-based (the header is line 1 unless a quoted header spans lines)
	Row    int    // data row, 0-based
	Column string // column name
}

// maxListedCells bounds how many missing cells an error lists.
const maxListedCells = 10

// MissingError reports the missing values of a file: every one is counted,
// the first few are listed.
type MissingError struct {
	Count int    // number of missing values in the file
	Cells []Cell // the first missing values, in file order
}

// Error lists where the values are missing.
func (e *MissingError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "csvfile: %d missing value", e.Count)
	if e.Count != 1 {
		b.WriteString("s")
	}
	b.WriteString(": ")
	for i, c := range e.Cells {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "line %d (row %d) column %q", c.Line, c.Row, c.Column)
	}
	if e.Count > len(e.Cells) {
		fmt.Fprintf(&b, " and %d more", e.Count-len(e.Cells))
	}
	return b.String()
}

// add records a missing cell.
func (e *MissingError) add(c Cell) {
	e.Count++
	if len(e.Cells) < maxListedCells {
		e.Cells = append(e.Cells, c)
	}
}
