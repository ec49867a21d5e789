package jit

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// A cache file is:
//
//	magic "EMBERJIT" | u32 format version | u64 payload length |
//	sha256(payload) | payload
//
// and the payload is: u32 count, then per lowered name u32 len + name
// expression, u32 len + mangled name; then u64 len + the image. All
// integers are little-endian.
var magic = []byte("EMBERJIT")

const headerLen = 8 + 4 + 8 + 32

// maxEntry bounds what a cache file may claim to hold.
const maxEntry = 1 << 30

func encodeEntry(img *Image) []byte {
	var p bytes.Buffer
	le := binary.LittleEndian
	put32 := func(v uint32) { binary.Write(&p, le, v) }
	str := func(s string) { put32(uint32(len(s))); p.WriteString(s) }
	put32(uint32(len(img.Lowered)))
	for _, e := range sortedKeys(img.Lowered) {
		str(e)
		str(img.Lowered[e])
	}
	binary.Write(&p, le, uint64(len(img.Data)))
	p.Write(img.Data)

	out := make([]byte, 0, headerLen+p.Len())
	out = append(out, magic...)
	out = le.AppendUint32(out, formatVersion)
	out = le.AppendUint64(out, uint64(p.Len()))
	sum := sha256.Sum256(p.Bytes())
	out = append(out, sum[:]...)
	return append(out, p.Bytes()...)
}

// errCorrupt marks a cache file that must be recompiled.
var errCorrupt = errors.New("corrupt cache entry")

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errCorrupt, fmt.Sprintf(format, args...))
}

// decodeEntry parses and verifies a cache file. Nothing it allocates is
// larger than the file itself.
func decodeEntry(b []byte, t Target) (*Image, error) {
	le := binary.LittleEndian
	if len(b) < headerLen || !bytes.Equal(b[:8], magic) {
		return nil, corrupt("no header")
	}
	if v := le.Uint32(b[8:]); v != formatVersion {
		return nil, corrupt("format version %d", v)
	}
	n := le.Uint64(b[12:])
	payload := b[headerLen:]
	if n != uint64(len(payload)) {
		return nil, corrupt("header says %d payload bytes, file has %d (torn write?)", n, len(payload))
	}
	if sum := sha256.Sum256(payload); !bytes.Equal(sum[:], b[20:52]) {
		return nil, corrupt("checksum mismatch")
	}
	r := reader{b: payload}
	count := r.u32()
	if uint64(count) > uint64(len(payload))/8 {
		return nil, corrupt("%d names in %d bytes", count, len(payload))
	}
	img := &Image{Target: t, Lowered: make(map[string]string, count)}
	for i := uint32(0); i < count; i++ {
		e, l := r.str(), r.str()
		img.Lowered[e] = l
	}
	size := r.u64()
	if r.err || size != uint64(len(r.b)) {
		return nil, corrupt("bad payload layout")
	}
	img.Data = r.b
	return img, nil
}

// reader decodes the payload, recording any overrun in err.
type reader struct {
	b   []byte
	err bool
}

func (r *reader) take(n uint64) []byte {
	if r.err || n > uint64(len(r.b)) {
		r.err = true
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) u32() uint32 {
	if b := r.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if b := r.take(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (r *reader) str() string { return string(r.take(uint64(r.u32()))) }

// readEntry loads a cache file; a missing file is (nil, nil).
func readEntry(path string, t Target) (*Image, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if fi.Size() > maxEntry {
		return nil, corrupt("%d bytes", fi.Size())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return decodeEntry(b, t)
}

// writeEntry stores img at path atomically: a temporary file in the same
// folder, synced, then renamed over path.
func writeEntry(path string, img *Image) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, werr := f.Write(encodeEntry(img))
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		os.Remove(tmp)
		return fmt.Errorf("jit: writing cache entry %s: %w", path, werr)
	}
	return nil
}
