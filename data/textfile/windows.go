package textfile

import "fmt"

// Windows views a token sequence as training examples for next-token
// prediction: example i has the context tokens[i : i+Context] and the next
// token tokens[i+Context]. Nothing is copied.
type Windows struct {
	tokens  []int32
	context int
}

// NewWindows returns the windows of length context over tokens. The
// sequence must be longer than the context.
func NewWindows(tokens []int32, context int) (*Windows, error) {
	if context < 1 {
		return nil, fmt.Errorf("textfile: context length %d, want at least 1", context)
	}
	if len(tokens) <= context {
		return nil, fmt.Errorf("textfile: %d tokens make no window of context %d (need at least %d)", len(tokens), context, context+1)
	}
	return &Windows{tokens: tokens, context: context}, nil
}

// Windows returns the windows of length context over the corpus tokens.
func (c *Corpus) Windows(context int) (*Windows, error) {
	return NewWindows(c.Tokens, context)
}

// Len returns the number of windows, len(tokens) - context.
func (w *Windows) Len() int { return len(w.tokens) - w.context }

// Context returns the context length.
func (w *Windows) Context() int { return w.context }

// At returns the context of window i and the token that follows it. The
// context slice shares the token storage.
func (w *Windows) At(i int) (context []int32, next int32) {
	return w.tokens[i : i+w.context : i+w.context], w.tokens[i+w.context]
}

// Targets returns the context of window i shifted by one token, the targets
// of a model that predicts every position (as GPT training does); its last
// element is the next token of At(i).
func (w *Windows) Targets(i int) []int32 {
	return w.tokens[i+1 : i+1+w.context : i+1+w.context]
}
