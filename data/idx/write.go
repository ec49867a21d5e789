package idx

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"github.com/emberdl/ember/internal/atomicfile"
)

// Write writes f to w as an uncompressed IDX stream after checking that it
// is consistent (see New).
func Write(w io.Writer, f *File) error {
	if _, err := New(f.DType, f.Dims, f.Data); err != nil {
		return err
	}
	head := make([]byte, 4+4*len(f.Dims))
	head[2] = byte(f.DType)
	head[3] = byte(len(f.Dims))
	for i, d := range f.Dims {
		binary.BigEndian.PutUint32(head[4+4*i:], uint32(d))
	}
	if _, err := w.Write(head); err != nil {
		return fmt.Errorf("idx: writing header: %w", err)
	}
	if _, err := w.Write(f.Data); err != nil {
		return fmt.Errorf("idx: writing data: %w", err)
	}
	return nil
}

// WriteFile writes f to path atomically, gzipped when path ends in ".gz".
func WriteFile(path string, f *File) error {
	return atomicfile.Write(path, 0o644, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		if !strings.HasSuffix(path, ".gz") {
			if err := Write(bw, f); err != nil {
				return err
			}
			return bw.Flush()
		}
		gz := gzip.NewWriter(bw)
		if err := Write(gz, f); err != nil {
			return err
		}
		if err := gz.Close(); err != nil {
			return fmt.Errorf("idx: compressing: %w", err)
		}
		return bw.Flush()
	})
}
