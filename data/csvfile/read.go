package csvfile

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

// DefaultMissing are the texts that mean "no value" when Options.Missing is nil.
var DefaultMissing = []string{"", "NA", "N/A", "NaN", "nan", "null", "NULL", "?"}

// Options say how to read a file.
type Options struct {
	// Label names the label column; empty means the table has no label.
	// The label is categorical if it is listed in Categorical or if any of
	// its values is not a number; otherwise it is numeric.
	Label string
	// Categorical lists the feature columns that hold category names.
	// Every other feature column must hold numbers.
	Categorical []string
	// Ignore lists columns to leave out.
	Ignore []string
	// Missing lists the texts (after trimming spaces) that mean a missing
	// value; nil means DefaultMissing.
	Missing []string
	// Comma is the field separator; 0 means ','.
	Comma rune
	// Schema, when set, fixes the columns and category mappings (learned
	// from another file, such as the training file). Categories not in it
	// are an error. Label and Categorical are then taken from the schema.
	Schema *Schema
}

// ReadFile reads the CSV file at path.
func ReadFile(path string, opts Options) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("csvfile: %w", err)
	}
	defer f.Close()
	t, err := Read(f, opts)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return t, nil
}

// Read parses CSV text with a header row. Values that are missing are
// reported together in a *MissingError; any other bad value stops the read
// with an error naming its line and column.
func Read(r io.Reader, opts Options) (*Table, error) {
	cr := csv.NewReader(r)
	if opts.Comma != 0 {
		cr.Comma = opts.Comma
	}
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("csvfile: empty input, want a header row")
	}
	if err != nil {
		return nil, fmt.Errorf("csvfile: reading header: %w", err)
	}
	header = slices.Clone(header)
	header[0] = strings.TrimPrefix(header[0], "\uFEFF")
	p, err := newPlan(header, opts)
	if err != nil {
		return nil, err
	}
	cr.ReuseRecord = true
	if err := p.readRows(cr); err != nil {
		return nil, err
	}
	return p.finish()
}

// cellSource is one input column that feeds the output.
type cellSource struct {
	field int     // position in the CSV record
	col   *Column // output column (Categories empty until finish when learning)
	out   int     // feature index, or -1 for the label
	// For categorical columns (and a label of undecided kind): the distinct
	// texts in first-seen order, their ids, and one id per row.
	ids   map[string]int32
	texts []string
	rowID []int32
}

// plan is the state of one Read.
type plan struct {
	schema   *Schema
	learning bool // categories are learned from this file (no schema given)
	autoKind bool // the label's kind is decided after reading
	sources  []*cellSource
	missing  map[string]bool
	x, y     []float32
	rows     int
	miss     MissingError
}

func newPlan(header []string, opts Options) (*plan, error) {
	pos := map[string]int{}
	for i, name := range header {
		if name == "" {
			return nil, fmt.Errorf("csvfile: header column %d has no name", i+1)
		}
		if _, dup := pos[name]; dup {
			return nil, fmt.Errorf("csvfile: header names column %q twice", name)
		}
		pos[name] = i
	}
	need := func(what, name string) (int, error) {
		i, ok := pos[name]
		if !ok {
			return 0, fmt.Errorf("csvfile: %s column %q is not in the header (%s)", what, name, strings.Join(header, ", "))
		}
		return i, nil
	}
	p := &plan{missing: map[string]bool{}}
	miss := opts.Missing
	if miss == nil {
		miss = DefaultMissing
	}
	for _, m := range miss {
		p.missing[m] = true
	}
	ignored := map[string]bool{}
	for _, name := range opts.Ignore {
		if _, err := need("ignored", name); err != nil {
			return nil, err
		}
		ignored[name] = true
	}
	if opts.Schema != nil {
		if err := opts.Schema.validate(); err != nil {
			return nil, err
		}
		p.schema = opts.Schema.clone()
		used := map[string]bool{}
		for i := range p.schema.Features {
			c := &p.schema.Features[i]
			f, err := need("schema", c.Name)
			if err != nil {
				return nil, err
			}
			used[c.Name] = true
			p.sources = append(p.sources, &cellSource{field: f, col: c, out: i})
		}
		if l := p.schema.Label; l != nil {
			f, err := need("label", l.Name)
			if err != nil {
				return nil, err
			}
			used[l.Name] = true
			p.sources = append(p.sources, &cellSource{field: f, col: l, out: -1})
		}
		for _, name := range header {
			if !used[name] && !ignored[name] {
				return nil, fmt.Errorf("csvfile: column %q is not in the schema (list it in Options.Ignore to leave it out)", name)
			}
		}
		return p, nil
	}
	p.learning = true
	categorical := map[string]bool{}
	for _, name := range opts.Categorical {
		if _, err := need("categorical", name); err != nil {
			return nil, err
		}
		categorical[name] = true
	}
	p.schema = &Schema{}
	for _, name := range header {
		if name == opts.Label || ignored[name] {
			continue
		}
		kind := Numeric
		if categorical[name] {
			kind = Categorical
		}
		p.schema.Features = append(p.schema.Features, Column{Name: name, Kind: kind})
	}
	for i := range p.schema.Features {
		c := &p.schema.Features[i]
		p.sources = append(p.sources, &cellSource{field: pos[c.Name], col: c, out: i})
	}
	if opts.Label != "" {
		f, err := need("label", opts.Label)
		if err != nil {
			return nil, err
		}
		if ignored[opts.Label] {
			return nil, fmt.Errorf("csvfile: column %q is both the label and ignored", opts.Label)
		}
		p.schema.Label = &Column{Name: opts.Label, Kind: Categorical}
		p.autoKind = !categorical[opts.Label]
		p.sources = append(p.sources, &cellSource{field: f, col: p.schema.Label, out: -1})
	}
	if len(p.schema.Features) == 0 {
		return nil, errors.New("csvfile: no feature columns left")
	}
	return p, nil
}

func (p *plan) readRows(cr *csv.Reader) error {
	nf := len(p.schema.Features)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("csvfile: %w", err)
		}
		p.x = append(p.x, make([]float32, nf)...)
		if p.schema.Label != nil {
			p.y = append(p.y, 0)
		}
		row := p.x[p.rows*nf:]
		for _, s := range p.sources {
			line, _ := cr.FieldPos(s.field)
			text := strings.TrimSpace(rec[s.field])
			missing := p.missing[text]
			if missing {
				p.miss.add(Cell{Line: line, Row: p.rows, Column: s.col.Name})
			}
			v, err := p.cell(s, text, missing, line)
			if err != nil {
				return err
			}
			if s.out >= 0 {
				row[s.out] = v
			} else {
				p.y[p.rows] = v
			}
		}
		p.rows++
	}
}

// cell converts one text. Categorical cells being learned are only recorded
// here and converted in finish. A missing cell is recorded as the empty
// category (the read fails in finish anyway).
func (p *plan) cell(s *cellSource, text string, missing bool, line int) (float32, error) {
	if missing {
		text = ""
	}
	if s.col.Kind == Numeric {
		if missing {
			return 0, nil
		}
		return parseNumber(text, line, s.col.Name)
	}
	if !p.learning {
		if missing {
			return 0, nil
		}
		i, ok := s.col.Index(text)
		if !ok {
			return 0, fmt.Errorf("csvfile: line %d, column %q: category %q is not in the schema (%s)", line, s.col.Name, text, listSome(s.col.Categories))
		}
		return float32(i), nil
	}
	if s.ids == nil {
		s.ids = map[string]int32{}
	}
	id, ok := s.ids[text]
	if !ok {
		id = int32(len(s.texts))
		s.ids[strings.Clone(text)] = id
		s.texts = append(s.texts, strings.Clone(text))
	}
	s.rowID = append(s.rowID, id)
	return 0, nil
}

func parseNumber(text string, line int, col string) (float32, error) {
	v, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) || math.Abs(v) > math.MaxFloat32 {
		return 0, fmt.Errorf("csvfile: line %d, column %q: %q is not a finite float32 number (name the column in Options.Categorical if it holds categories)", line, col, text)
	}
	return float32(v), nil
}

// finish reports missing values, decides the label kind and maps the
// learned categories to sorted indices.
func (p *plan) finish() (*Table, error) {
	if p.miss.Count > 0 {
		return nil, &p.miss
	}
	if p.rows == 0 {
		return nil, errors.New("csvfile: no data rows after the header")
	}
	nf := len(p.schema.Features)
	for _, s := range p.sources {
		if s.rowID == nil {
			continue
		}
		if s.out < 0 && p.autoKind && allNumbers(s.texts) {
			s.col.Kind = Numeric
			for r, id := range s.rowID {
				v, _ := strconv.ParseFloat(s.texts[id], 64)
				p.y[r] = float32(v)
			}
			continue
		}
		s.col.Categories = slices.Sorted(slices.Values(s.texts))
		index := make([]float32, len(s.texts))
		for id, text := range s.texts {
			i, _ := s.col.Index(text)
			index[id] = float32(i)
		}
		for r, id := range s.rowID {
			if s.out >= 0 {
				p.x[r*nf+s.out] = index[id]
			} else {
				p.y[r] = index[id]
			}
		}
	}
	return &Table{Schema: p.schema, Rows: p.rows, X: p.x, Y: p.y}, nil
}

func allNumbers(texts []string) bool {
	for _, t := range texts {
		if _, err := parseNumber(t, 0, ""); err != nil {
			return false
		}
	}
	return true
}

// listSome names up to ten categories for an error message.
func listSome(cats []string) string {
	if len(cats) <= 10 {
		return "known: " + strings.Join(cats, ", ")
	}
	return fmt.Sprintf("known: %s and %d more", strings.Join(cats[:10], ", "), len(cats)-10)
}
