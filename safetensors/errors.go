package safetensors

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// ErrFormat is wrapped by every error that reports a file breaking the
// safetensors format; test for it with errors.Is.
var ErrFormat = errors.New("invalid safetensors file")

// ErrNotFound is wrapped by the error for a tensor name the file does not hold.
var ErrNotFound = errors.New("no such tensor")

// ErrClosed is returned by a File's methods after Close.
var ErrClosed = errors.New("safetensors: file already closed")

// formatError is a violation of the format; its message says what and where.
type formatError struct{ msg string }

func (e *formatError) Error() string        { return e.msg }
func (e *formatError) Is(target error) bool { return target == ErrFormat }

// badFile reports a problem with the file as a whole.
func badFile(format string, args ...any) error {
	return &formatError{fmt.Sprintf(format, args...)}
}

// badTensor reports a problem with one tensor's header entry.
func badTensor(name, format string, args ...any) error {
	return &formatError{"tensor " + quote(name) + ": " + fmt.Sprintf(format, args...)}
}

// quote quotes s for an error message, shortening it if it is long: a
// hostile header may hold names of many megabytes.
func quote(s string) string {
	const max = 120
	if len(s) <= max {
		return strconv.Quote(s)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + fmt.Sprintf("... (%d bytes)", len(s))
}
