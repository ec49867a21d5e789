package idx

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// DefaultMaxBytes is the largest payload Read accepts: 4 GiB, far above any
// MNIST-family file. Use ReadLimit for other limits.
const DefaultMaxBytes int64 = 4 << 30

// chunkSize bounds how much is allocated ahead of the bytes actually read.
const chunkSize = 16 << 20

// Read reads one IDX file, gzipped or not, from r. See ReadLimit.
func Read(r io.Reader) (*File, error) {
	return ReadLimit(r, DefaultMaxBytes)
}

// ReadFile reads the IDX file at path, gzipped or not.
func ReadFile(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("idx: %w", err)
	}
	defer fh.Close()
	f, err := Read(fh)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return f, nil
}

// ReadLimit reads one IDX file from r, refusing a payload larger than
// maxBytes. A gzip stream (magic bytes 1f 8b) is decompressed first. The
// header must be well formed, the stream must hold exactly the declared
// number of bytes, and a gzip stream must pass its checksum.
func ReadLimit(r io.Reader, maxBytes int64) (*File, error) {
	br := bufio.NewReader(r)
	var src io.Reader = br
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("idx: reading gzip header: %w", err)
		}
		defer gz.Close()
		src = gz
	}
	dt, dims, err := readHeader(src)
	if err != nil {
		return nil, err
	}
	want, ok := byteCount(dt, dims)
	if !ok || want > maxBytes {
		return nil, fmt.Errorf("idx: file says %s = %s bytes, over the limit of %d", describe(dt, dims), sizeString(want, ok), maxBytes)
	}
	data, err := readPayload(src, want)
	if err != nil {
		return nil, fmt.Errorf("idx: file says %s = %d bytes but %w", describe(dt, dims), want, err)
	}
	return &File{DType: dt, Dims: dims, Data: data}, nil
}

// readHeader reads the magic number and the dimensions.
func readHeader(r io.Reader) (DType, []int, error) {
	var magic [4]byte
	if n, err := io.ReadFull(r, magic[:]); err != nil {
		return 0, nil, fmt.Errorf("idx: file too short for the 4-byte magic number (got %d bytes): %w", n, err)
	}
	if magic[0] != 0 || magic[1] != 0 {
		return 0, nil, fmt.Errorf("idx: bad magic number %x: the first two bytes must be zero (not an IDX file?)", magic)
	}
	dt := DType(magic[2])
	if !dt.Valid() {
		return 0, nil, fmt.Errorf("idx: unknown element type code 0x%02x in magic number %x", magic[2], magic)
	}
	ndims := int(magic[3])
	if ndims == 0 {
		return 0, nil, fmt.Errorf("idx: magic number %x declares zero dimensions", magic)
	}
	raw := make([]byte, 4*ndims)
	if n, err := io.ReadFull(r, raw); err != nil {
		return 0, nil, fmt.Errorf("idx: header declares %d dimensions but ends after %d of %d header bytes: %w", ndims, n, len(raw), err)
	}
	dims := make([]int, ndims)
	for i := range dims {
		dims[i] = int(binary.BigEndian.Uint32(raw[4*i:]))
	}
	return dt, dims, nil
}

// readPayload reads exactly want bytes and then checks that r is at its end.
// Memory grows with the bytes actually present, never ahead of them by more
// than chunkSize. Errors complete the sentence "file says ... bytes but".
func readPayload(r io.Reader, want int64) ([]byte, error) {
	buf := make([]byte, 0, min(want, chunkSize))
	for int64(len(buf)) < want {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(want, int64(cap(buf))+chunkSize, 2*int64(cap(buf))))
			copy(grown, buf)
			buf = grown
		}
		n, err := io.ReadFull(r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("holds %d", len(buf))
		}
		if err != nil {
			return nil, fmt.Errorf("reading failed after %d: %w", len(buf), err)
		}
	}
	var one [1]byte
	n, err := io.ReadFull(r, one[:])
	if n > 0 {
		extra, _ := io.Copy(io.Discard, io.LimitReader(r, 1<<20))
		return nil, fmt.Errorf("has extra data after them (%s trailing bytes)", trailing(extra+1, extra+1 > 1<<20))
	}
	if !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("the stream after them is broken: %w", err)
	}
	return buf, nil
}

func trailing(n int64, more bool) string {
	if more {
		return "over 1 MiB of"
	}
	return fmt.Sprint(n)
}
