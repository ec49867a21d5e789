package safetensors

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth is how deeply arrays and objects may nest in a header, the
// recursion limit of the reference implementation's JSON parser (serde_json).
const maxDepth = 128

// syntaxError is a header that is not JSON at all.
type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("header is not valid JSON: %s at header offset %d", e.msg, e.off)
}
func (e *syntaxError) Is(target error) bool { return target == ErrFormat }

// scanner reads JSON values from a header, strictly by RFC 8259. The header
// must already be known to be valid UTF-8.
type scanner struct {
	b     []byte
	pos   int
	depth int
	uints []uint64 // scratch space for parseUints
}

func (s *scanner) fail(format string, args ...any) error {
	return &syntaxError{off: s.pos, msg: fmt.Sprintf(format, args...)}
}

// unexpected reports the byte at pos (or the end of the header).
func (s *scanner) unexpected(context string) error {
	if s.pos >= len(s.b) {
		return s.fail("unexpected end of header %s", context)
	}
	r, _ := utf8.DecodeRune(s.b[s.pos:])
	return s.fail("unexpected %q %s", r, context)
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.b) {
		switch s.b[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// next skips whitespace and returns the next byte, or 0 at the end (a NUL
// byte is never valid where next is used, so the two need not differ).
func (s *scanner) next() byte {
	s.skipSpace()
	if s.pos >= len(s.b) {
		return 0
	}
	return s.b[s.pos]
}

// atEnd skips whitespace and reports whether nothing else follows.
func (s *scanner) atEnd() bool {
	s.skipSpace()
	return s.pos >= len(s.b)
}

// consume skips whitespace and the byte c, which must come next.
func (s *scanner) consume(c byte, context string) error {
	if s.next() != c {
		return s.unexpected(context)
	}
	s.pos++
	return nil
}

// enter and leave track nesting depth around arrays and objects.
func (s *scanner) enter() error {
	if s.depth++; s.depth > maxDepth {
		return badFile("header nests arrays and objects deeper than %d levels", maxDepth)
	}
	return nil
}

func (s *scanner) leave() { s.depth-- }

// more is called after '{' / '[' or after a member or element: it consumes
// a ',' and reports true when another member or element follows, or
// consumes the closing byte and reports false.
func (s *scanner) more(first bool, closing byte) (bool, error) {
	c := s.next()
	if c == closing {
		s.pos++
		return false, nil
	}
	if !first {
		if c != ',' {
			return false, s.unexpected(fmt.Sprintf("after a value, expecting ',' or '%c'", closing))
		}
		s.pos++
	}
	return true, nil
}

// key reads an object key and the colon after it.
func (s *scanner) key() (string, error) {
	k, err := s.keyBytes()
	return string(k), err
}

// keyBytes is key without copying when the key holds no escapes.
func (s *scanner) keyBytes() ([]byte, error) {
	if s.next() != '"' {
		return nil, s.unexpected("where an object key string should be")
	}
	k, err := s.strBytes()
	if err != nil {
		return nil, err
	}
	return k, s.consume(':', "after an object key, expecting ':'")
}

// str reads a string; pos is at its opening quote.
func (s *scanner) str() (string, error) {
	b, err := s.strBytes()
	return string(b), err
}

// strBytes reads a string without copying it when it holds no escapes; the
// result may then alias the header.
func (s *scanner) strBytes() ([]byte, error) {
	s.pos++
	start := s.pos
	for s.pos < len(s.b) {
		switch c := s.b[s.pos]; {
		case c == '"':
			s.pos++
			return s.b[start : s.pos-1], nil
		case c == '\\':
			return s.strEscaped(start)
		case c < 0x20:
			return nil, s.fail("control character %#02x in string", c)
		}
		s.pos++
	}
	return nil, s.unexpected("in a string")
}

// strEscaped finishes a string that holds escapes, started at start.
func (s *scanner) strEscaped(start int) ([]byte, error) {
	out := append([]byte(nil), s.b[start:s.pos]...)
	for s.pos < len(s.b) {
		c := s.b[s.pos]
		switch {
		case c == '"':
			s.pos++
			return out, nil
		case c < 0x20:
			return nil, s.fail("control character %#02x in string", c)
		case c != '\\':
			out = append(out, c)
			s.pos++
			continue
		}
		s.pos++
		if s.pos >= len(s.b) {
			break
		}
		e := s.b[s.pos]
		s.pos++
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, err := s.hex4()
			if err != nil {
				return nil, err
			}
			if utf16.IsSurrogate(r) {
				// A high surrogate must be followed by an escaped low one.
				lo := rune(-1)
				if r < 0xdc00 && s.pos+1 < len(s.b) && s.b[s.pos] == '\\' && s.b[s.pos+1] == 'u' {
					s.pos += 2
					if lo, err = s.hex4(); err != nil {
						return nil, err
					}
				}
				if r = utf16.DecodeRune(r, lo); r == utf8.RuneError {
					return nil, badFile("header has a string with an unpaired UTF-16 surrogate escape at header offset %d", s.pos)
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			s.pos -= 2
			return nil, s.fail("invalid escape %q in string", "\\"+string(rune(e)))
		}
	}
	return nil, s.unexpected("in a string")
}

// hex4 reads the four hex digits of a \u escape.
func (s *scanner) hex4() (rune, error) {
	if s.pos+4 > len(s.b) {
		s.pos = len(s.b)
		return 0, s.unexpected("in a \\u escape")
	}
	v, err := strconv.ParseUint(string(s.b[s.pos:s.pos+4]), 16, 32)
	if err != nil {
		return 0, s.fail("invalid \\u escape %q", s.b[s.pos:s.pos+4])
	}
	s.pos += 4
	return rune(v), nil
}

// number reads a number and returns its text.
func (s *scanner) number() (string, error) {
	start := s.pos
	digits := func() int {
		n := 0
		for s.pos < len(s.b) && s.b[s.pos] >= '0' && s.b[s.pos] <= '9' {
			s.pos++
			n++
		}
		return n
	}
	if s.b[s.pos] == '-' {
		s.pos++
	}
	if s.pos < len(s.b) && s.b[s.pos] == '0' {
		s.pos++
	} else if digits() == 0 {
		return "", s.unexpected("in a number")
	}
	if s.pos < len(s.b) && s.b[s.pos] == '.' {
		s.pos++
		if digits() == 0 {
			return "", s.unexpected("after a decimal point")
		}
	}
	if s.pos < len(s.b) && (s.b[s.pos] == 'e' || s.b[s.pos] == 'E') {
		s.pos++
		if s.pos < len(s.b) && (s.b[s.pos] == '+' || s.b[s.pos] == '-') {
			s.pos++
		}
		if digits() == 0 {
			return "", s.unexpected("in an exponent")
		}
	}
	return string(s.b[start:s.pos]), nil
}

// literal reads true, false or null.
func (s *scanner) literal(word string) error {
	if len(s.b)-s.pos < len(word) || string(s.b[s.pos:s.pos+len(word)]) != word {
		return s.unexpected("where a value should be")
	}
	s.pos += len(word)
	return nil
}

// kind checks that a well-formed value starts at the next byte and names it
// for an error message, leaving pos where it was. A malformed value gives its
// syntax error instead, so that a type mismatch is only reported for JSON.
func (s *scanner) kind() (string, error) {
	c := s.next()
	start, depth := s.pos, s.depth
	if err := s.skipValue(); err != nil {
		return "", err
	}
	text := s.b[start:s.pos]
	s.pos, s.depth = start, depth
	switch {
	case c == '{':
		return "an object", nil
	case c == '[':
		return "an array", nil
	case c == '"':
		v, _ := s.str()
		s.pos = start
		return "the string " + quote(v), nil
	case c == 't' || c == 'f':
		return "a boolean", nil
	case c == 'n':
		return "null", nil
	}
	return "the number " + string(text), nil
}

// mismatch reports the next value as being of the wrong type, through
// report, unless it is not even well-formed JSON.
func (s *scanner) mismatch(report func(kind string) error) error {
	k, err := s.kind()
	if err != nil {
		return err
	}
	return report(k)
}

// skipValue reads and discards any value.
func (s *scanner) skipValue() error {
	switch c := s.next(); {
	case c == '{':
		s.pos++
		if err := s.enter(); err != nil {
			return err
		}
		for first := true; ; first = false {
			more, err := s.more(first, '}')
			if err != nil || !more {
				s.leave()
				return err
			}
			if _, err := s.key(); err != nil {
				return err
			}
			if err := s.skipValue(); err != nil {
				return err
			}
		}
	case c == '[':
		s.pos++
		if err := s.enter(); err != nil {
			return err
		}
		for first := true; ; first = false {
			more, err := s.more(first, ']')
			if err != nil || !more {
				s.leave()
				return err
			}
			if err := s.skipValue(); err != nil {
				return err
			}
		}
	case c == '"':
		_, err := s.str()
		return err
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		_, err := s.number()
		return err
	}
	return s.unexpected("where a value should be")
}
