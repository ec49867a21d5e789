//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package download

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// fileLock takes an exclusive advisory lock on path (created if needed) so
// that processes downloading the same file take turns. Waiting polls so that
// ctx can cancel it. The returned function unlocks, and removes the lock
// file when remove is true.
func fileLock(ctx context.Context, path string) (func(remove bool), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("download: lock file: %w", err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("download: locking %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return func(remove bool) {
		if remove {
			// Safe while locked: a process waiting on this inode, or one
			// that creates a fresh lock file, finds the finished file.
			os.Remove(path)
		}
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
