package textfile

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// EncodeError reports text that a character vocabulary cannot encode.
type EncodeError struct {
	Offset  int  // byte offset in the text
	Invalid bool // the bytes there are not valid UTF-8
	Rune    rune // otherwise, the rune missing from the vocabulary
}

// Error describes the problem and where it is.
func (e *EncodeError) Error() string {
	if e.Invalid {
		return fmt.Sprintf("textfile: invalid UTF-8 at byte %d", e.Offset)
	}
	return fmt.Sprintf("textfile: %q (%U) at byte %d is not in the vocabulary", e.Rune, e.Rune, e.Offset)
}

// Level is the unit of a token.
type Level int

// The tokenisation levels.
const (
	Bytes Level = iota // one token per byte, ids 0–255
	Chars              // one token per UTF-8 rune, ids from a vocabulary
)

// String returns "bytes" or "chars".
func (l Level) String() string {
	if l == Chars {
		return "chars"
	}
	return "bytes"
}

// Vocab maps tokens to ids and back. The byte vocabulary has the 256 byte
// values as ids; a character vocabulary numbers its runes in increasing
// code point order.
type Vocab struct {
	level Level
	runes []rune         // Chars: the runes in id order
	index map[rune]int32 // Chars: rune → id
}

// ByteVocab returns the byte-level vocabulary of size 256.
func ByteVocab() *Vocab { return &Vocab{level: Bytes} }

// BuildCharVocab returns the character vocabulary of the distinct runes of
// text. Invalid UTF-8 is an error naming its byte offset.
func BuildCharVocab(text []byte) (*Vocab, error) {
	seen := map[rune]struct{}{}
	for off := 0; off < len(text); {
		r, n := utf8.DecodeRune(text[off:])
		if r == utf8.RuneError && n <= 1 {
			return nil, &EncodeError{Offset: off, Invalid: true}
		}
		seen[r] = struct{}{}
		off += n
	}
	runes := make([]rune, 0, len(seen))
	for r := range seen {
		runes = append(runes, r)
	}
	slices.Sort(runes)
	return NewCharVocab(runes)
}

// NewCharVocab returns the character vocabulary whose ids are the positions
// of runes, such as one saved from Vocab.Runes. The runes must be valid and
// distinct.
func NewCharVocab(runes []rune) (*Vocab, error) {
	v := &Vocab{level: Chars, runes: slices.Clone(runes), index: make(map[rune]int32, len(runes))}
	for i, r := range runes {
		if !utf8.ValidRune(r) {
			return nil, fmt.Errorf("textfile: vocabulary entry %d (%U) is not a valid rune", i, r)
		}
		if _, dup := v.index[r]; dup {
			return nil, fmt.Errorf("textfile: vocabulary holds %q twice", r)
		}
		v.index[r] = int32(i)
	}
	return v, nil
}

// Level returns the tokenisation level.
func (v *Vocab) Level() Level { return v.level }

// Size returns the number of ids.
func (v *Vocab) Size() int {
	if v.level == Bytes {
		return 256
	}
	return len(v.runes)
}

// Runes returns the runes of a character vocabulary in id order (a copy),
// or nil for the byte vocabulary.
func (v *Vocab) Runes() []rune { return slices.Clone(v.runes) }

// Encode returns the ids of text. At the character level, invalid UTF-8 or
// a rune outside the vocabulary is an error naming its byte offset.
func (v *Vocab) Encode(text []byte) ([]int32, error) {
	if v.level == Bytes {
		ids := make([]int32, len(text))
		for i, b := range text {
			ids[i] = int32(b)
		}
		return ids, nil
	}
	ids := make([]int32, 0, utf8.RuneCount(text))
	for off := 0; off < len(text); {
		r, n := utf8.DecodeRune(text[off:])
		if r == utf8.RuneError && n <= 1 {
			return nil, &EncodeError{Offset: off, Invalid: true}
		}
		id, ok := v.index[r]
		if !ok {
			return nil, &EncodeError{Offset: off, Rune: r}
		}
		ids = append(ids, id)
		off += n
	}
	return ids, nil
}

// EncodeString is Encode for a string.
func (v *Vocab) EncodeString(s string) ([]int32, error) { return v.Encode([]byte(s)) }

// Decode returns the text of ids; an id outside the vocabulary is an error.
func (v *Vocab) Decode(ids []int32) (string, error) {
	var b strings.Builder
	for i, id := range ids {
		if id < 0 || int(id) >= v.Size() {
			return "", fmt.Errorf("textfile: id %d at position %d is outside the vocabulary of %d", id, i, v.Size())
		}
		if v.level == Bytes {
			b.WriteByte(byte(id))
		} else {
			b.WriteRune(v.runes[id])
		}
	}
	return b.String(), nil
}
