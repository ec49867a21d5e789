package textfile

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// expected is what testdata/gen/text_fixture.py computed with Python.
type expected struct {
	Files   []string `json:"files"`
	Vocab   []rune   `json:"vocab"`
	CharIDs []int32  `json:"char_ids"`
	ByteIDs []int32  `json:"byte_ids"`
	Context int      `json:"context"`
	Windows []struct {
		I       int     `json:"i"`
		Context []int32 `json:"context"`
		Next    int32   `json:"next"`
	} `json:"windows"`
}

func loadExpected(t *testing.T) expected {
	t.Helper()
	raw, err := os.ReadFile("testdata/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var exp expected
	if err := json.Unmarshal(raw, &exp); err != nil {
		t.Fatal(err)
	}
	return exp
}

func TestLoadMatchesPython(t *testing.T) {
	exp := loadExpected(t)
	wantFiles := make([]string, len(exp.Files))
	for i, f := range exp.Files {
		wantFiles[i] = filepath.Join("testdata", filepath.FromSlash(f))
	}
	tests := []struct {
		name  string
		paths []string
		opts  Options
	}{
		{"directory with pattern", []string{"testdata/corpus"}, Options{Pattern: "*.txt"}},
		{"globs", []string{"testdata/corpus/*.txt", "testdata/corpus/sub/*.txt"}, Options{}},
		{"files, one twice", []string{wantFiles[0], wantFiles[1], wantFiles[0]}, Options{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, level := range []Level{Chars, Bytes} {
				opts := tc.opts
				opts.Level, opts.Separator = level, "\n"
				c, err := Load(tc.paths, opts)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(c.Files, wantFiles) {
					t.Fatalf("files = %v, want %v", c.Files, wantFiles)
				}
				want := exp.ByteIDs
				if level == Chars {
					want = exp.CharIDs
					if !slices.Equal(c.Vocab.Runes(), exp.Vocab) {
						t.Errorf("vocab = %q, want %q", c.Vocab.Runes(), exp.Vocab)
					}
				}
				if !slices.Equal(c.Tokens, want) {
					t.Errorf("%s tokens = %v, want %v", level, c.Tokens, want)
				}
				back, err := c.Vocab.Decode(c.Tokens)
				if err != nil || back != string(c.Text) {
					t.Errorf("decode = %q, %v; want the text back", back, err)
				}
			}
		})
	}
}

func TestWindows(t *testing.T) {
	exp := loadExpected(t)
	c, err := Load([]string{"testdata/corpus"}, Options{Level: Chars, Pattern: "*.txt", Separator: "\n"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := c.Windows(exp.Context)
	if err != nil {
		t.Fatal(err)
	}
	if w.Len() != len(exp.CharIDs)-exp.Context || w.Context() != exp.Context {
		t.Fatalf("Len %d Context %d", w.Len(), w.Context())
	}
	for _, ew := range exp.Windows {
		ctx, next := w.At(ew.I)
		if !slices.Equal(ctx, ew.Context) || next != ew.Next {
			t.Errorf("window %d = %v → %d, want %v → %d", ew.I, ctx, next, ew.Context, ew.Next)
		}
		tg := w.Targets(ew.I)
		if !slices.Equal(tg[:len(tg)-1], ew.Context[1:]) || tg[len(tg)-1] != ew.Next {
			t.Errorf("targets %d = %v", ew.I, tg)
		}
	}
	tests := []struct {
		tokens  []int32
		context int
		want    string
	}{
		{[]int32{1, 2, 3}, 0, "context length 0"},
		{[]int32{1, 2, 3}, 3, "3 tokens make no window of context 3"},
	}
	for _, tc := range tests {
		if _, err := NewWindows(tc.tokens, tc.context); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewWindows(%v, %d) error = %v, want %q", tc.tokens, tc.context, err, tc.want)
		}
	}
}

func TestVocab(t *testing.T) {
	v, err := BuildCharVocab([]byte("héllo wörld"))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(v.Runes()); got != " dhlorwéö" {
		t.Errorf("runes = %q", got)
	}
	ids, err := v.EncodeString("wörd")
	if err != nil || !slices.Equal(ids, []int32{6, 8, 5, 1}) {
		t.Errorf("encode = %v, %v", ids, err)
	}
	restored, err := NewCharVocab(v.Runes())
	if err != nil {
		t.Fatal(err)
	}
	if s, err := restored.Decode(ids); err != nil || s != "wörd" {
		t.Errorf("decode with restored vocab = %q, %v", s, err)
	}
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"unknown rune", func() error { _, err := v.EncodeString("hat"); return err }, `'a' (U+0061) at byte 1 is not in the vocabulary`},
		{"invalid utf8", func() error { _, err := v.Encode([]byte{'h', 0xff}); return err }, "invalid UTF-8 at byte 1"},
		{"build invalid", func() error { _, err := BuildCharVocab([]byte("ok\xc3")); return err }, "invalid UTF-8 at byte 2"},
		{"bad id", func() error { _, err := v.Decode([]int32{0, 10}); return err }, "id 10 at position 1 is outside the vocabulary of 9"},
		{"negative byte id", func() error { _, err := ByteVocab().Decode([]int32{-1}); return err }, "id -1 at position 0"},
		{"duplicate rune", func() error { _, err := NewCharVocab([]rune("aba")); return err }, `holds 'a' twice`},
		{"surrogate", func() error { _, err := NewCharVocab([]rune{0xD800}); return err }, "not a valid rune"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.run(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want %q", err, tc.want)
			}
		})
	}
	bv := ByteVocab()
	if ids, _ := bv.EncodeString("é"); bv.Size() != 256 || !slices.Equal(ids, []int32{0xc3, 0xa9}) {
		t.Errorf("byte ids of é = %v", ids)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "good.txt"), []byte("abc"), 0o644)
	os.WriteFile(filepath.Join(dir, "bad.txt"), []byte("ok\xffno"), 0o644)
	os.WriteFile(filepath.Join(dir, "big.txt"), []byte(strings.Repeat("x", 100)), 0o644)
	os.Mkdir(filepath.Join(dir, "empty"), 0o755)
	trainVocab, _ := BuildCharVocab([]byte("abc"))
	tests := []struct {
		name  string
		paths []string
		opts  Options
		want  string
	}{
		{"no paths", nil, Options{}, "no paths given"},
		{"missing file", []string{filepath.Join(dir, "nope.txt")}, Options{}, "no such file"},
		{"glob matches nothing", []string{filepath.Join(dir, "*.csv")}, Options{}, "matches no file"},
		{"empty directory", []string{filepath.Join(dir, "empty")}, Options{}, "holds no file matching"},
		{"bad pattern", []string{dir}, Options{Pattern: "[x"}, "bad pattern"},
		{"invalid utf8 names file", []string{filepath.Join(dir, "good.txt"), filepath.Join(dir, "bad.txt")}, Options{Level: Chars, Separator: "\n"},
			"invalid UTF-8 at byte 6 (file " + filepath.Join(dir, "bad.txt") + ", byte 2)"},
		{"rune outside given vocab", []string{filepath.Join(dir, "big.txt")}, Options{Level: Chars, Vocab: trainVocab}, "'x' (U+0078) at byte 0 is not in the vocabulary"},
		{"over limit", []string{filepath.Join(dir, "good.txt"), filepath.Join(dir, "big.txt")}, Options{MaxBytes: 50}, "takes the corpus over its limit of 50 bytes"},
		{"byte level with char vocab", []string{filepath.Join(dir, "good.txt")}, Options{Vocab: trainVocab}, "byte level asked for with a character vocabulary"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.paths, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want %q", err, tc.want)
			}
		})
	}
	var ee *EncodeError
	_, err := Load([]string{filepath.Join(dir, "bad.txt")}, Options{Level: Chars})
	if !errors.As(err, &ee) || !ee.Invalid || ee.Offset != 2 {
		t.Errorf("error %v does not unwrap to the EncodeError at byte 2", err)
	}
}

func TestHiddenFilesSkipped(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("a"), 0o644)
	os.WriteFile(filepath.Join(dir, ".hidden.txt"), []byte("h"), 0o644)
	os.MkdirAll(filepath.Join(dir, ".git"), 0o755)
	os.WriteFile(filepath.Join(dir, ".git", "x.txt"), []byte("g"), 0o644)
	c, err := Load([]string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if string(c.Text) != "a" || len(c.Files) != 1 {
		t.Errorf("text %q from %v, want only a.txt", c.Text, c.Files)
	}
}
