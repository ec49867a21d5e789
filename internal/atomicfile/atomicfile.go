// Package atomicfile writes files so that readers see either the old content
// or the complete new content, never a half-written file: data goes to a
// temporary file in the same directory, which is synced and then renamed
// over the destination.
package atomicfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Write creates path atomically with the bytes that fill writes. If fill or
// any step fails, the temporary file is removed and path is left untouched.
func Write(path string, perm os.FileMode, fill func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = fill(tmp); err != nil {
		return err
	}
	if err = tmp.Chmod(perm); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("atomicfile: syncing %s: %w", tmp.Name(), err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("atomicfile: closing %s: %w", tmp.Name(), err)
	}
	if err = Commit(tmp.Name(), path); err != nil {
		return err
	}
	return nil
}

// Commit renames the finished, synced file from onto to and syncs the
// directory so the rename survives a crash where the platform allows it.
func Commit(from, to string) error {
	if err := os.Rename(from, to); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	syncDir(filepath.Dir(to))
	return nil
}

// syncDir flushes a directory entry change. It is best effort: some
// platforms and file systems cannot sync a directory, and the rename itself
// has already happened.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	d.Sync()
	d.Close()
}
