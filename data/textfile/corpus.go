package textfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// DefaultMaxBytes is the corpus size limit when Options.MaxBytes is 0.
const DefaultMaxBytes int64 = 1 << 30

// Options say which files make a corpus and how it is tokenised.
type Options struct {
	Level Level // Bytes (default) or Chars
	// Pattern filters the files found by walking a directory, matched
	// against the file's base name with filepath.Match; empty means all
	// files. Files named explicitly or by a glob are always read.
	Pattern string
	// Separator is placed between consecutive files.
	Separator string
	// Vocab, for Chars, fixes the vocabulary (for example the training
	// corpus's); nil builds one from the text.
	Vocab *Vocab
	// MaxBytes limits the total size of the text; 0 means DefaultMaxBytes.
	MaxBytes int64
}

// Corpus is the text of a set of files and its tokens.
type Corpus struct {
	Files  []string // the files read, in order
	Text   []byte   // their contents joined by Options.Separator
	Vocab  *Vocab   // the vocabulary used to encode Text
	Tokens []int32  // the ids of Text
}

// Load reads the files named by paths, in order: a path that is a directory
// is walked recursively (hidden files and directories skipped, names sorted),
// a path with glob characters is expanded with filepath.Glob (sorted), and
// any other path is a file. A file reached twice is read once.
func Load(paths []string, opts Options) (*Corpus, error) {
	files, err := expand(paths, opts.Pattern)
	if err != nil {
		return nil, err
	}
	limit := opts.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	var text []byte
	starts := make([]int, len(files))
	for i, f := range files {
		if i > 0 {
			text = append(text, opts.Separator...)
		}
		starts[i] = len(text)
		text, err = appendFile(text, f, limit)
		if err != nil {
			return nil, err
		}
	}
	c := &Corpus{Files: files, Text: text, Vocab: opts.Vocab}
	if opts.Level == Bytes {
		if c.Vocab != nil && c.Vocab.Level() != Bytes {
			return nil, errors.New("textfile: byte level asked for with a character vocabulary")
		}
		c.Vocab = ByteVocab()
	} else if c.Vocab == nil {
		if c.Vocab, err = BuildCharVocab(text); err != nil {
			return nil, locate(err, files, starts)
		}
	}
	if c.Tokens, err = c.Vocab.Encode(text); err != nil {
		return nil, locate(err, files, starts)
	}
	return c, nil
}

// expand turns paths into the ordered list of files to read.
func expand(paths []string, pattern string) ([]string, error) {
	if len(paths) == 0 {
		return nil, errors.New("textfile: no paths given")
	}
	if pattern != "" {
		if _, err := filepath.Match(pattern, ""); err != nil {
			return nil, fmt.Errorf("textfile: bad pattern %q: %w", pattern, err)
		}
	}
	var files []string
	seen := map[string]bool{}
	add := func(f string) {
		if !seen[f] {
			seen[f] = true
			files = append(files, f)
		}
	}
	for _, p := range paths {
		if strings.ContainsAny(p, "*?[") {
			matches, err := filepath.Glob(p)
			if err != nil {
				return nil, fmt.Errorf("textfile: bad glob %q: %w", p, err)
			}
			if len(matches) == 0 {
				return nil, fmt.Errorf("textfile: glob %q matches no file", p)
			}
			slices.Sort(matches)
			for _, m := range matches {
				if info, err := os.Stat(m); err == nil && info.Mode().IsRegular() {
					add(m)
				}
			}
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("textfile: %w", err)
		}
		if !info.IsDir() {
			add(p)
			continue
		}
		before := len(files)
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if path != p && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() && (pattern == "" || matches(pattern, d.Name())) {
				add(path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("textfile: walking %s: %w", p, err)
		}
		if len(files) == before {
			return nil, fmt.Errorf("textfile: directory %s holds no file matching %q", p, pattern)
		}
	}
	return files, nil
}

func matches(pattern, name string) bool {
	ok, _ := filepath.Match(pattern, name)
	return ok
}

// appendFile appends the content of path to text, refusing to grow text
// past limit bytes.
func appendFile(text []byte, path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("textfile: %w", err)
	}
	defer f.Close()
	room := limit - int64(len(text))
	if info, err := f.Stat(); err == nil && info.Size() > room {
		return nil, fmt.Errorf("textfile: %s (%d bytes) takes the corpus over its limit of %d bytes", path, info.Size(), limit)
	}
	var buf strings.Builder
	n, err := io.Copy(&buf, io.LimitReader(f, room+1))
	if err != nil {
		return nil, fmt.Errorf("textfile: reading %s: %w", path, err)
	}
	if n > room {
		return nil, fmt.Errorf("textfile: %s takes the corpus over its limit of %d bytes", path, limit)
	}
	return append(text, buf.String()...), nil
}

// locate adds to an encoding error the file and the offset inside it.
func locate(err error, files []string, starts []int) error {
	var ee *EncodeError
	if !errors.As(err, &ee) {
		return err
	}
	i := len(starts) - 1
	for i > 0 && starts[i] > ee.Offset {
		i--
	}
	return fmt.Errorf("%w (file %s, byte %d)", err, files[i], ee.Offset-starts[i])
}
