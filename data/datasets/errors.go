package datasets

import (
	"fmt"
	"strings"
)

// Looked records one place searched and why it did not serve.
type Looked struct {
	Place
	Problem string // what was wrong there, such as "does not exist"
}

// NotFoundError reports a dataset that no place held and that could not or
// was not allowed to be downloaded.
type NotFoundError struct {
	Dataset     string   // the dataset's name
	Looked      []Looked // every place searched, in order
	DownloadErr error    // nil when downloading was off
}

// Error lists every place looked at, then the download outcome.
func (e *NotFoundError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "datasets: %s not found; looked in:", e.Dataset)
	for _, l := range e.Looked {
		dir := l.Dir
		if dir == "" {
			dir = "(none)"
		}
		fmt.Fprintf(&b, "\n  %s (%s): %s", dir, l.Origin, l.Problem)
	}
	if e.DownloadErr != nil {
		fmt.Fprintf(&b, "\ndownload failed: %v", e.DownloadErr)
	} else {
		b.WriteString("\ndownloading is off (Options.Download)")
	}
	return b.String()
}

// Unwrap returns the download error, if any.
func (e *NotFoundError) Unwrap() error { return e.DownloadErr }
