package download

import (
	"errors"
	"fmt"
	"net/http"
)

// ChecksumError reports a download whose SHA-256 differs from the expected
// one. The bad file has been removed.
type ChecksumError struct {
	URL  string // where the file came from
	Path string // where it would have been stored
	Want string // expected SHA-256, hex
	Got  string // SHA-256 of the bytes received, hex
}

// Error names the URL and both checksums.
func (e *ChecksumError) Error() string {
	return fmt.Sprintf("download: %s: SHA-256 mismatch: got %s, want %s (the file was removed)", e.URL, e.Got, e.Want)
}

// HTTPError reports a response status that is not success.
type HTTPError struct {
	URL        string // the URL requested
	StatusCode int    // such as 404
	Status     string // such as "404 Not Found"
}

// Error names the URL and the status.
func (e *HTTPError) Error() string {
	return fmt.Sprintf("download: GET %s: %s", e.URL, e.Status)
}

// Transient reports whether retrying may help: server errors, 408 Request
// Timeout and 429 Too Many Requests.
func (e *HTTPError) Transient() bool {
	return e.StatusCode >= 500 || e.StatusCode == http.StatusRequestTimeout || e.StatusCode == http.StatusTooManyRequests
}

// transientError marks a failure that a new attempt may overcome.
type transientError struct {
	err error
}

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }

func transient(err error) error { return &transientError{err: err} }

func isTransient(err error) bool {
	var te *transientError
	if errors.As(err, &te) {
		return true
	}
	var he *HTTPError
	return errors.As(err, &he) && he.Transient()
}
