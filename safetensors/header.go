package safetensors

import (
	"errors"
	"math"
	"strconv"
	"unicode/utf8"
)

// maxHeaderLen is the largest header the reference implementation accepts.
const maxHeaderLen = 100_000_000

// metadataKey is the reserved header key holding the string-to-string map.
const metadataKey = "__metadata__"

// header is a parsed but not yet validated header: tensors in header order.
type header struct {
	metadata map[string]string
	tensors  []TensorInfo
}

// parseHeader parses the JSON header strictly: valid UTF-8, one object and
// nothing but whitespace after it, no duplicate key at any level, no nesting
// deeper than serde_json allows, __metadata__ null or an object of strings,
// and for every other key an object with a string dtype, an array of
// non-negative integers as shape and an array of exactly two non-negative
// integers as data_offsets. Other fields of a tensor entry are skipped, as
// the reference implementation does.
func parseHeader(b []byte) (*header, error) {
	if !utf8.Valid(b) {
		return nil, badFile("header is not valid UTF-8 (bad byte at header offset %d)", invalidUTF8At(b))
	}
	s := &scanner{b: b}
	if s.next() != '{' {
		return nil, s.mismatch(func(k string) error { return badFile("header is %s, not a JSON object", k) })
	}
	s.pos++
	s.depth = 1
	h := &header{}
	seen := make(map[string]bool)
	for first := true; ; first = false {
		more, err := s.more(first, '}')
		if err != nil {
			return nil, err
		}
		if !more {
			break
		}
		key, err := s.key()
		if err != nil {
			return nil, err
		}
		if seen[key] {
			if key == metadataKey {
				return nil, badFile("header has %s twice", metadataKey)
			}
			return nil, badTensor(key, "named twice in the header")
		}
		seen[key] = true
		if key == metadataKey {
			if h.metadata, err = parseMetadata(s); err != nil {
				return nil, err
			}
			continue
		}
		info, err := parseTensor(s, key)
		if err != nil {
			return nil, err
		}
		h.tensors = append(h.tensors, info)
	}
	if !s.atEnd() {
		return nil, badFile("header has data after its JSON object, at header offset %d", s.pos)
	}
	return h, nil
}

func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}

// parseMetadata parses the value of __metadata__.
func parseMetadata(s *scanner) (map[string]string, error) {
	switch s.next() {
	case 'n':
		return nil, s.literal("null")
	case '{':
	default:
		return nil, s.mismatch(func(k string) error {
			return badFile("%s is %s, not an object of strings", metadataKey, k)
		})
	}
	s.pos++
	m := make(map[string]string)
	for first := true; ; first = false {
		more, err := s.more(first, '}')
		if err != nil || !more {
			return m, err
		}
		key, err := s.key()
		if err != nil {
			return nil, err
		}
		if _, dup := m[key]; dup {
			return nil, badFile("%s has key %s twice", metadataKey, quote(key))
		}
		if s.next() != '"' {
			return nil, s.mismatch(func(k string) error {
				return badFile("%s[%s] is %s, not a string", metadataKey, quote(key), k)
			})
		}
		if m[key], err = s.str(); err != nil {
			return nil, err
		}
	}
}

// parseTensor parses one tensor entry.
func parseTensor(s *scanner, name string) (TensorInfo, error) {
	info := TensorInfo{Name: name}
	if s.next() != '{' {
		return info, s.mismatch(func(k string) error { return badTensor(name, "entry is %s, not an object", k) })
	}
	s.pos++
	s.depth++
	var haveDType, haveShape, haveOffsets bool
	for first := true; ; first = false {
		more, err := s.more(first, '}')
		if err != nil {
			return info, err
		}
		if !more {
			break
		}
		field, err := s.keyBytes()
		if err != nil {
			return info, err
		}
		switch string(field) { // no allocation
		case "dtype":
			if haveDType {
				return info, badTensor(name, "dtype given twice")
			}
			haveDType = true
			if s.next() != '"' {
				return info, s.mismatch(func(k string) error { return badTensor(name, "dtype is %s, not a string", k) })
			}
			d, err := s.strBytes()
			if err != nil {
				return info, err
			}
			info.DType = internDType(d)
		case "shape":
			if haveShape {
				return info, badTensor(name, "shape given twice")
			}
			haveShape = true
			dims, err := parseUints(s, name, "shape", math.MaxInt)
			if err != nil {
				return info, err
			}
			info.Shape = make([]int, len(dims)) // dims is scratch space
			for i, d := range dims {
				info.Shape[i] = int(d)
			}
		case "data_offsets":
			if haveOffsets {
				return info, badTensor(name, "data_offsets given twice")
			}
			haveOffsets = true
			offs, err := parseUints(s, name, "data_offsets", math.MaxInt64)
			if err != nil {
				return info, err
			}
			if len(offs) != 2 {
				return info, badTensor(name, "data_offsets has %d numbers, want 2 (begin, end)", len(offs))
			}
			info.Offsets = [2]int64{int64(offs[0]), int64(offs[1])}
		default:
			if err := s.skipValue(); err != nil {
				return info, err
			}
		}
	}
	s.depth--
	switch {
	case !haveDType:
		return info, badTensor(name, "entry has no dtype")
	case !haveShape:
		return info, badTensor(name, "entry has no shape")
	case !haveOffsets:
		return info, badTensor(name, "entry has no data_offsets")
	}
	return info, nil
}

// internDType returns the package's constant for a known dtype name, so that
// thousands of tensors share a few strings, and a copy of any other name.
func internDType(name []byte) DType {
	if info, ok := dtypes[DType(name)]; ok {
		return dtypeNames[info.rank]
	}
	return DType(name)
}

// parseUints parses an array of non-negative integers no larger than limit,
// into scratch space that the next call reuses.
func parseUints(s *scanner, name, field string, limit uint64) ([]uint64, error) {
	if s.next() != '[' {
		return nil, s.mismatch(func(k string) error {
			return badTensor(name, "%s is %s, not an array of integers", field, k)
		})
	}
	s.pos++
	out := s.uints[:0]
	defer func() { s.uints = out[:0] }()
	for first := true; ; first = false {
		more, err := s.more(first, ']')
		if err != nil || !more {
			return out, err
		}
		if c := s.next(); c != '-' && (c < '0' || c > '9') {
			return nil, s.mismatch(func(k string) error {
				return badTensor(name, "%s[%d] is %s, not an integer", field, len(out), k)
			})
		}
		num, err := s.number()
		if err != nil {
			return nil, err
		}
		v, err := strconv.ParseUint(num, 10, 64)
		switch {
		case errors.Is(err, strconv.ErrRange) || err == nil && v > limit:
			return nil, badTensor(name, "%s[%d] = %s is too large", field, len(out), num)
		case err != nil:
			return nil, badTensor(name, "%s[%d] = %s is not a non-negative integer", field, len(out), num)
		}
		out = append(out, v)
	}
}
