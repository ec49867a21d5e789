package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	tests := []struct {
		name    string
		old     string // existing content, "" for none
		fillErr error
		want    string
	}{
		{name: "new file", want: "hello"},
		{name: "replace", old: "old content", want: "hello"},
		{name: "failure keeps old", old: "old content", fillErr: errors.New("boom"), want: "old content"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "f.bin")
			if tc.old != "" {
				if err := os.WriteFile(path, []byte(tc.old), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			err := Write(path, 0o640, func(w io.Writer) error {
				if _, err := io.WriteString(w, "hello"); err != nil {
					return err
				}
				return tc.fillErr
			})
			if !errors.Is(err, tc.fillErr) {
				t.Fatalf("Write error = %v, want %v", err, tc.fillErr)
			}
			got, rerr := os.ReadFile(path)
			if rerr != nil {
				t.Fatal(rerr)
			}
			if string(got) != tc.want {
				t.Errorf("content = %q, want %q", got, tc.want)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 {
				t.Errorf("directory holds %d entries, want only the destination (temp file left behind?)", len(entries))
			}
			if err == nil {
				info, _ := os.Stat(path)
				if info.Mode().Perm() != 0o640 {
					t.Errorf("mode = %v, want 0640", info.Mode().Perm())
				}
			}
		})
	}
}
