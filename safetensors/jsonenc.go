package safetensors

import "strconv"

// appendJSONString appends s as a JSON string escaped exactly as the
// reference writer (serde_json) does, so that headers match byte for byte:
// quote and backslash escaped, control characters as \b \t \n \f \r or
// \u00xx, everything else (non-ASCII included) written as is. s must be valid
// UTF-8.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0 // s[start:i] needs no escaping and is not yet appended
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		start = i + 1
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\t':
			b = append(b, '\\', 't')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c == '\r':
			b = append(b, '\\', 'r')
		default: // other control characters
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendInt appends a decimal integer.
func appendInt(b []byte, v int64) []byte { return strconv.AppendInt(b, v, 10) }
