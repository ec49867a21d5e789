package safetensors

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

// parseHeader parses the JSON header strictly: one object, nothing but
// whitespace after it, no duplicate key at any level, __metadata__ null or an
// object of strings, and for every other key an object with a string dtype, an
// array of non-negative integers as shape and an array of exactly two
// non-negative integers as data_offsets. Other fields of a tensor entry are
// skipped, as the reference implementation does.
func parseHeader(b []byte) (*header, error) {
	if !utf8.Valid(b) {
		return nil, badFile("header is not valid UTF-8 (bad byte at header offset %d)", invalidUTF8At(b))
	}
	p := &headerParser{dec: json.NewDecoder(bytes.NewReader(b))}
	p.dec.UseNumber()
	h, err := p.object()
	if err != nil {
		return nil, err
	}
	rest := b[p.dec.InputOffset():]
	if i := bytes.IndexFunc(rest, func(r rune) bool { return !isJSONSpace(r) }); i >= 0 {
		return nil, badFile("header has data after its JSON object, at header offset %d", int(p.dec.InputOffset())+i)
	}
	return h, nil
}

func isJSONSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }

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

type headerParser struct{ dec *json.Decoder }

// token reads the next token, describing a syntax error as such.
func (p *headerParser) token() (json.Token, error) {
	t, err := p.dec.Token()
	if err == nil {
		return t, nil
	}
	if errors.Is(err, io.EOF) {
		return nil, badFile("header is not valid JSON: unexpected end of header")
	}
	return nil, badFile("header is not valid JSON: %v", err)
}

// object parses the top-level object.
func (p *headerParser) object() (*header, error) {
	t, err := p.token()
	if err != nil {
		return nil, err
	}
	if t != json.Delim('{') {
		return nil, badFile("header is not a JSON object (starts with %s)", describe(t))
	}
	h := &header{}
	seen := make(map[string]bool)
	for p.dec.More() {
		t, err := p.token()
		if err != nil {
			return nil, err
		}
		key := t.(string) // the decoder only yields string keys inside an object
		if seen[key] {
			if key == metadataKey {
				return nil, badFile("header has %s twice", metadataKey)
			}
			return nil, badTensor(key, "named twice in the header")
		}
		seen[key] = true
		if key == metadataKey {
			if h.metadata, err = p.metadata(); err != nil {
				return nil, err
			}
			continue
		}
		info, err := p.tensor(key)
		if err != nil {
			return nil, err
		}
		h.tensors = append(h.tensors, info)
	}
	if _, err := p.token(); err != nil { // the closing brace
		return nil, err
	}
	return h, nil
}

// metadata parses the value of __metadata__.
func (p *headerParser) metadata() (map[string]string, error) {
	t, err := p.token()
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, nil
	}
	if t != json.Delim('{') {
		return nil, badFile("%s is %s, not an object of strings", metadataKey, describe(t))
	}
	m := make(map[string]string)
	for p.dec.More() {
		t, err := p.token()
		if err != nil {
			return nil, err
		}
		key := t.(string) // the decoder only yields string keys inside an object
		if _, dup := m[key]; dup {
			return nil, badFile("%s has key %s twice", metadataKey, quote(key))
		}
		v, err := p.token()
		if err != nil {
			return nil, err
		}
		s, ok := v.(string)
		if !ok {
			return nil, badFile("%s[%s] is %s, not a string", metadataKey, quote(key), describe(v))
		}
		m[key] = s
	}
	if _, err := p.token(); err != nil {
		return nil, err
	}
	return m, nil
}

// tensor parses one tensor entry.
func (p *headerParser) tensor(name string) (TensorInfo, error) {
	info := TensorInfo{Name: name}
	t, err := p.token()
	if err != nil {
		return info, err
	}
	if t != json.Delim('{') {
		return info, badTensor(name, "entry is %s, not an object", describe(t))
	}
	var haveDType, haveShape, haveOffsets bool
	for p.dec.More() {
		t, err := p.token()
		if err != nil {
			return info, err
		}
		field := t.(string)
		switch field {
		case "dtype":
			if haveDType {
				return info, badTensor(name, "dtype given twice")
			}
			haveDType = true
			v, err := p.token()
			if err != nil {
				return info, err
			}
			s, ok := v.(string)
			if !ok {
				return info, badTensor(name, "dtype is %s, not a string", describe(v))
			}
			info.DType = DType(s)
		case "shape":
			if haveShape {
				return info, badTensor(name, "shape given twice")
			}
			haveShape = true
			dims, err := p.uints(name, "shape", math.MaxInt)
			if err != nil {
				return info, err
			}
			info.Shape = make([]int, len(dims))
			for i, d := range dims {
				info.Shape[i] = int(d)
			}
		case "data_offsets":
			if haveOffsets {
				return info, badTensor(name, "data_offsets given twice")
			}
			haveOffsets = true
			offs, err := p.uints(name, "data_offsets", math.MaxInt64)
			if err != nil {
				return info, err
			}
			if len(offs) != 2 {
				return info, badTensor(name, "data_offsets has %d numbers, want 2 (begin, end)", len(offs))
			}
			info.Offsets = [2]int64{int64(offs[0]), int64(offs[1])}
		default:
			var skip json.RawMessage
			if err := p.dec.Decode(&skip); err != nil {
				return info, badFile("header is not valid JSON: %v", err)
			}
		}
	}
	if _, err := p.token(); err != nil {
		return info, err
	}
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

// uints parses an array of non-negative integers no larger than limit.
func (p *headerParser) uints(name, field string, limit uint64) ([]uint64, error) {
	t, err := p.token()
	if err != nil {
		return nil, err
	}
	if t != json.Delim('[') {
		return nil, badTensor(name, "%s is %s, not an array of integers", field, describe(t))
	}
	var out []uint64
	for p.dec.More() {
		t, err := p.token()
		if err != nil {
			return nil, err
		}
		num, ok := t.(json.Number)
		if !ok {
			return nil, badTensor(name, "%s[%d] is %s, not an integer", field, len(out), describe(t))
		}
		v, err := strconv.ParseUint(string(num), 10, 64)
		if err != nil || v > limit {
			if errors.Is(err, strconv.ErrRange) || (err == nil && v > limit) {
				return nil, badTensor(name, "%s[%d] = %s is too large", field, len(out), num)
			}
			return nil, badTensor(name, "%s[%d] = %s is not a non-negative integer", field, len(out), num)
		}
		out = append(out, v)
	}
	if _, err := p.token(); err != nil {
		return nil, err
	}
	return out, nil
}

// describe names a token's kind for error messages.
func describe(t json.Token) string {
	switch v := t.(type) {
	case nil:
		return "null"
	case json.Delim:
		if v == '{' {
			return "an object"
		}
		if v == '[' {
			return "an array"
		}
		return strconv.Quote(string(v))
	case string:
		return "the string " + quote(v)
	case json.Number:
		return "the number " + string(v)
	case bool:
		return fmt.Sprintf("the boolean %v", v)
	}
	return fmt.Sprintf("%v", t)
}
