package safetensors

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"strings"
)

// TensorInfo describes one tensor of a file.
type TensorInfo struct {
	Name  string
	DType DType
	// Shape is row-major, outermost dimension first; empty for a scalar.
	Shape []int
	// Offsets are the tensor's [begin, end) byte range, relative to the start
	// of the data section that follows the header.
	Offsets [2]int64
}

// ByteLen returns the length of the tensor's data in bytes.
func (t TensorInfo) ByteLen() int64 { return t.Offsets[1] - t.Offsets[0] }

// File is a parsed safetensors file whose tensor data is read on demand.
// Its methods may be called from several goroutines at once, but not
// concurrently with Close.
type File struct {
	// Metadata is the header's __metadata__ map, nil when there is none.
	Metadata map[string]string
	// Tensors describes every tensor, sorted by name.
	Tensors []TensorInfo

	spans     map[string][2]int64 // private copy of the offsets, by name
	dataStart int64               // file offset of the data section
	mapped    []byte              // the whole file when memory-mapped
	r         io.ReaderAt         // the file when not mapped
	release   func() error        // unmaps or closes what Open acquired
	closed    bool
}

// Read parses the safetensors file held by r, which is size bytes long. The
// header is read and validated at once; tensor data is read from r when asked
// for, so r must stay readable until the File is no longer used. Close does
// not close r. No buffer larger than size is ever allocated.
func Read(r io.ReaderAt, size int64) (*File, error) {
	f, err := parse(r, size)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	return f, nil
}

// parse reads and validates the header of the file in r.
func parse(r io.ReaderAt, size int64) (*File, error) {
	if size < 8 {
		return nil, badFile("file is %d bytes, too short for the 8-byte header length", size)
	}
	var prefix [8]byte
	if err := readFull(r, prefix[:], 0); err != nil {
		return nil, fmt.Errorf("reading header length: %w", err)
	}
	n := binary.LittleEndian.Uint64(prefix[:])
	if n > maxHeaderLen {
		return nil, badFile("header length %d is over the %d-byte limit", n, maxHeaderLen)
	}
	if n > uint64(size-8) {
		return nil, badFile("header length %d runs past the end of the %d-byte file", n, size)
	}
	hdr := make([]byte, n)
	if err := readFull(r, hdr, 8); err != nil {
		return nil, fmt.Errorf("reading %d-byte header: %w", n, err)
	}
	h, err := parseHeader(hdr)
	if err != nil {
		return nil, err
	}
	dataStart := 8 + int64(n)
	if err := checkTensors(h.tensors, size-dataStart); err != nil {
		return nil, err
	}
	slices.SortFunc(h.tensors, func(a, b TensorInfo) int { return strings.Compare(a.Name, b.Name) })
	spans := make(map[string][2]int64, len(h.tensors))
	for _, t := range h.tensors {
		spans[t.Name] = t.Offsets
	}
	return &File{Metadata: h.metadata, Tensors: h.tensors, spans: spans, dataStart: dataStart, r: r}, nil
}

// Tensor returns the description of the named tensor.
func (f *File) Tensor(name string) (TensorInfo, bool) {
	i, ok := slices.BinarySearchFunc(f.Tensors, name, func(t TensorInfo, name string) int {
		return strings.Compare(t.Name, name)
	})
	if !ok {
		return TensorInfo{}, false
	}
	return f.Tensors[i], true
}

// Mapped reports whether the file is memory-mapped, so that Bytes returns
// views into the mapping instead of copies.
func (f *File) Mapped() bool { return f.mapped != nil }

// span returns the absolute file range of the named tensor's data.
func (f *File) span(name string) (begin, end int64, err error) {
	if f.closed {
		return 0, 0, ErrClosed
	}
	s, ok := f.spans[name]
	if !ok {
		return 0, 0, fmt.Errorf("safetensors: tensor %s: %w", quote(name), ErrNotFound)
	}
	return f.dataStart + s[0], f.dataStart + s[1], nil
}

// Bytes returns the named tensor's raw little-endian data. When the file is
// memory-mapped (see Mapped) this is a zero-copy view into the mapping: it is
// read-only (writing to it crashes the program), valid only until Close, and
// reading it faults if another process truncates the file meanwhile; use
// ReadInto for a private copy with errors instead of faults. Otherwise it is a
// newly allocated copy.
func (f *File) Bytes(name string) ([]byte, error) {
	begin, end, err := f.span(name)
	if err != nil {
		return nil, err
	}
	if f.mapped != nil {
		return f.mapped[begin:end:end], nil
	}
	buf := make([]byte, end-begin)
	if err := readFull(f.r, buf, begin); err != nil {
		return nil, fmt.Errorf("safetensors: reading tensor %s: %w", quote(name), err)
	}
	return buf, nil
}

// ReadInto copies the named tensor's raw little-endian data into dst, whose
// length must be the tensor's byte length. Large tensors are copied by
// several workers of the CPU pool at once.
func (f *File) ReadInto(name string, dst []byte) error {
	begin, end, err := f.span(name)
	if err != nil {
		return err
	}
	if int64(len(dst)) != end-begin {
		return fmt.Errorf("safetensors: tensor %s has %d bytes, destination has %d", quote(name), end-begin, len(dst))
	}
	if f.mapped != nil {
		err = copyMapped(dst, f.mapped[begin:end])
	} else {
		err = readFull(f.r, dst, begin)
	}
	if err != nil {
		return fmt.Errorf("safetensors: reading tensor %s: %w", quote(name), err)
	}
	return nil
}

// Close releases the file mapping or descriptor that Open acquired. Views
// returned by Bytes become invalid. Further calls do nothing.
func (f *File) Close() error {
	if f.closed {
		return nil
	}
	f.closed = true
	f.mapped = nil
	if f.release == nil {
		return nil
	}
	if err := f.release(); err != nil {
		return fmt.Errorf("safetensors: close: %w", err)
	}
	return nil
}
