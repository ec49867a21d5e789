package safetensors

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// Tensor is one tensor to write: its name, dtype, shape and raw little-endian,
// row-major data.
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	// Data holds exactly ByteLen(DType, Shape) bytes. It is ignored when
	// Source is set.
	Data []byte
	// Source, when not nil, streams the data instead (for tensors that live
	// elsewhere, such as on a GPU). Its WriteTo must write exactly
	// ByteLen(DType, Shape) bytes; Write fails otherwise.
	Source io.WriterTo
}

// Write writes tensors and metadata to w as a safetensors file in the
// reference implementation's canonical layout: tensors sorted by dtype
// alignment, largest first, then by name; the header as compact JSON with
// __metadata__ (keys sorted) first and every tensor's dtype, shape and
// data_offsets in that order, padded with spaces to a multiple of 8 bytes.
// The same input always gives the same bytes. A nil or empty metadata map
// writes no __metadata__ entry.
//
// Everything is checked before the first byte is written: names are unique,
// valid UTF-8 and not "__metadata__", dtypes are known, data lengths match
// the shapes, and the header fits the 100 MB limit.
func Write(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	p, err := newPlan(tensors, metadata)
	if err == nil {
		err = p.writeTo(w)
	}
	if err != nil {
		return fmt.Errorf("safetensors: write: %w", err)
	}
	return nil
}

// plan is a validated file ready to be written.
type plan struct {
	header  []byte   // length prefix, JSON and padding
	order   []Tensor // tensors in data order
	lengths []int64  // byte length of each, in data order
}

func newPlan(tensors []Tensor, metadata map[string]string) (*plan, error) {
	order := slices.Clone(tensors)
	names := make(map[string]bool, len(order))
	for _, t := range order {
		if err := checkWritable(t, names); err != nil {
			return nil, err
		}
	}
	for k, v := range metadata {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return nil, fmt.Errorf("metadata entry %s: not valid UTF-8", quote(k))
		}
	}
	slices.SortFunc(order, func(a, b Tensor) int {
		return cmp.Or(cmp.Compare(dtypes[b.DType].rank, dtypes[a.DType].rank), strings.Compare(a.Name, b.Name))
	})
	p := &plan{order: order, lengths: make([]int64, len(order))}
	js := []byte{'{'}
	js = appendMetadata(js, metadata)
	var offset int64
	for i, t := range order {
		n, _ := ByteLen(t.DType, t.Shape) // checked by checkWritable
		if offset > math.MaxInt64-n {
			return nil, errors.New("total data size overflows int64")
		}
		p.lengths[i] = n
		if i > 0 || len(metadata) > 0 {
			js = append(js, ',')
		}
		js = appendTensorEntry(js, t, offset, offset+n)
		offset += n
		if len(js) > maxHeaderLen {
			break // reported below; no need to build the rest
		}
	}
	js = append(js, '}')
	for len(js)%8 != 0 {
		js = append(js, ' ')
	}
	if len(js) > maxHeaderLen {
		return nil, fmt.Errorf("header of %d bytes or more is over the %d-byte limit",
			len(js), maxHeaderLen)
	}
	p.header = binary.LittleEndian.AppendUint64(make([]byte, 0, 8+len(js)), uint64(len(js)))
	p.header = append(p.header, js...)
	return p, nil
}

// checkWritable checks one tensor to write and records its name.
func checkWritable(t Tensor, names map[string]bool) error {
	switch {
	case !utf8.ValidString(t.Name):
		return fmt.Errorf("tensor %s: name is not valid UTF-8", quote(t.Name))
	case t.Name == metadataKey:
		return fmt.Errorf("tensor name %s is reserved for metadata", quote(t.Name))
	case names[t.Name]:
		return fmt.Errorf("tensor %s: name given twice", quote(t.Name))
	}
	names[t.Name] = true
	n, err := ByteLen(t.DType, t.Shape)
	if err != nil {
		return fmt.Errorf("tensor %s: %w", quote(t.Name), err)
	}
	if t.Source == nil && int64(len(t.Data)) != n {
		return fmt.Errorf("tensor %s: has %d bytes of data, but shape %v of %s needs %d",
			quote(t.Name), len(t.Data), t.Shape, t.DType, n)
	}
	return nil
}

// appendMetadata appends `"__metadata__":{…}` with sorted keys, or nothing
// for an empty map.
func appendMetadata(js []byte, metadata map[string]string) []byte {
	if len(metadata) == 0 {
		return js
	}
	js = appendJSONString(js, metadataKey)
	js = append(js, ":{"...)
	for i, k := range slices.Sorted(maps.Keys(metadata)) {
		if i > 0 {
			js = append(js, ',')
		}
		js = appendJSONString(js, k)
		js = append(js, ':')
		js = appendJSONString(js, metadata[k])
	}
	return append(js, '}')
}

// appendTensorEntry appends `"name":{"dtype":…,"shape":[…],"data_offsets":[…]}`.
func appendTensorEntry(js []byte, t Tensor, begin, end int64) []byte {
	js = appendJSONString(js, t.Name)
	js = append(js, `:{"dtype":`...)
	js = appendJSONString(js, string(t.DType))
	js = append(js, `,"shape":[`...)
	for i, d := range t.Shape {
		if i > 0 {
			js = append(js, ',')
		}
		js = appendInt(js, int64(d))
	}
	js = append(js, `],"data_offsets":[`...)
	js = appendInt(js, begin)
	js = append(js, ',')
	js = appendInt(js, end)
	return append(js, "]}"...)
}

// writeTo writes the planned file to w.
func (p *plan) writeTo(w io.Writer) error {
	if _, err := w.Write(p.header); err != nil {
		return fmt.Errorf("header: %w", err)
	}
	for i, t := range p.order {
		var err error
		if t.Source != nil {
			err = writeSource(w, t.Source, p.lengths[i])
		} else {
			_, err = w.Write(t.Data)
		}
		if err != nil {
			return fmt.Errorf("tensor %s: %w", quote(t.Name), err)
		}
	}
	return nil
}

// writeSource copies exactly n bytes from src to w.
func writeSource(w io.Writer, src io.WriterTo, n int64) error {
	ew := &exactWriter{w: w, left: n}
	if _, err := src.WriteTo(ew); err != nil {
		return err
	}
	if ew.left != 0 {
		return fmt.Errorf("source wrote %d bytes, want %d", n-ew.left, n)
	}
	return nil
}

// exactWriter passes at most left bytes on to w and fails on any more.
type exactWriter struct {
	w    io.Writer
	left int64
}

func (e *exactWriter) Write(b []byte) (int, error) {
	if int64(len(b)) > e.left {
		return 0, fmt.Errorf("source wrote more than the %d bytes its shape needs", e.left)
	}
	n, err := e.w.Write(b)
	e.left -= int64(n)
	return n, err
}
