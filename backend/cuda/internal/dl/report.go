package dl

import (
	"fmt"
	"strings"
)

// Attempt is one place a library was looked for.
type Attempt struct {
	// Path is the file tried, or a bare soname given to the system loader.
	Path string
	// Source is the rule that produced the path (see the From constants).
	Source string
	// Err says why the attempt failed; "" for the one that succeeded.
	Err string
}

// Report is the story of one library search.
type Report struct {
	// Library is the Spec's name.
	Library string
	// Chosen is the file opened, "" if none.
	Chosen string
	// Attempts lists the places tried, in order.
	Attempts []Attempt
	// Hint tells how to install the library when it was not found.
	Hint string
}

// openFailures returns the attempts that found a file that would not load:
// usually the interesting ones.
func (r Report) openFailures() []Attempt {
	var out []Attempt
	for _, a := range r.Attempts {
		if a.Err != "" && a.Err != errNoFile.Error() && a.Err != "not known to the system loader" {
			out = append(out, a)
		}
	}
	return out
}

// String formats the report, one attempt a line.
func (r Report) String() string {
	var b strings.Builder
	if r.Chosen != "" {
		fmt.Fprintf(&b, "%s: %s\n", r.Library, r.Chosen)
	} else {
		fmt.Fprintf(&b, "%s: not found\n", r.Library)
	}
	for _, a := range r.Attempts {
		status := "ok"
		if a.Err != "" {
			status = a.Err
		}
		fmt.Fprintf(&b, "  %-16s %s: %s\n", a.Source, a.Path, status)
	}
	if r.Chosen == "" && r.Hint != "" {
		fmt.Fprintf(&b, "  hint: %s\n", r.Hint)
	}
	return b.String()
}
