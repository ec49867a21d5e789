//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package download

import "context"

// fileLock is a no-op where flock is not available: downloads of the same
// file are still serialised inside one process, not across processes.
func fileLock(ctx context.Context, path string) (func(remove bool), error) {
	return func(bool) {}, nil
}
