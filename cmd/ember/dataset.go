package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/data"
	"github.com/emberdl/ember/data/csvfile"
	"github.com/emberdl/ember/data/datasets"
	"github.com/emberdl/ember/data/textfile"
)

// task says what a model learns.
type task string

const (
	taskClassify task = "classification"
	taskRegress  task = "regression"
	taskText     task = "language-model"
)

// dataSource is a parsed --dataset value.
type dataSource struct {
	kind string // "image", "sample", "csv" or "text"
	name string // image dataset name, or the file of csv:/text:
}

// parseDataset reads fashion-mnist, mnist, cifar10 (and their aliases),
// sample (the embedded Fashion-MNIST sample), csv:FILE or text:FILE.
func parseDataset(s string) (dataSource, error) {
	switch {
	case strings.HasPrefix(s, "csv:"):
		if len(s) == 4 {
			return dataSource{}, usagef("--dataset csv: needs a file name (csv:FILE)")
		}
		return dataSource{kind: "csv", name: s[4:]}, nil
	case strings.HasPrefix(s, "text:"):
		if len(s) == 5 {
			return dataSource{}, usagef("--dataset text: needs a file or directory (text:FILE)")
		}
		return dataSource{kind: "text", name: s[5:]}, nil
	case strings.EqualFold(s, "sample") || strings.EqualFold(s, "fashion-mnist-sample"):
		return dataSource{kind: "sample", name: "fashion-mnist-sample"}, nil
	}
	spec, err := datasets.Find(s)
	if err != nil {
		return dataSource{}, usagef("unknown --dataset %q (want fashion-mnist, mnist, cifar10, sample, csv:FILE or text:FILE)", s)
	}
	return dataSource{kind: "image", name: spec.Name}, nil
}

// String gives the --dataset form back.
func (d dataSource) String() string {
	switch d.kind {
	case "csv", "text":
		return d.kind + ":" + d.name
	}
	return d.name
}

// dataOptions say where datasets are looked up.
type dataOptions struct {
	dir     string // --data-dir
	offline bool   // --offline: never download
	label   string // --label: the CSV label column
	context int    // text: tokens per example
	seed    uint64 // split seed for CSV
}

// bundle is a loaded dataset, split into training and test examples.
type bundle struct {
	source     dataSource
	name       string // what it is, for people and metadata
	task       task
	classes    []string
	inputShape []int // one example's shape: [C, H, W], [features] or [context]
	train      data.Dataset
	test       data.Dataset
	note       string // said to the user (a fallback, a split)
	csv        *csvMeta
	augment    bool // random crops and flips suit it (CIFAR-10)
}

// csvMeta is what a model trained on a CSV table needs to read another.
type csvMeta struct {
	Schema *csvfile.Schema       `json:"schema"`
	Scale  *csvfile.Standardizer `json:"standardizer"`
	Label  string                `json:"label"`
}

// loadData loads the dataset for training or evaluation. An image dataset
// that cannot be found or downloaded falls back to the embedded
// Fashion-MNIST sample, and the note says so.
func loadData(ctx context.Context, src dataSource, o dataOptions) (*bundle, error) {
	switch src.kind {
	case "csv":
		return loadCSV(src, o, nil)
	case "text":
		return loadText(src, o)
	case "sample":
		d, err := datasets.FashionMNISTSample()
		if err != nil {
			return nil, err
		}
		return imageBundle(src, d, "")
	}
	d, err := datasets.Load(ctx, src.name, datasets.Options{Dir: o.dir, Download: !o.offline})
	if err == nil {
		return imageBundle(src, d, "")
	}
	if ctx.Err() != nil {
		return nil, err
	}
	var nf *datasets.NotFoundError
	if !errors.As(err, &nf) {
		return nil, err
	}
	sample, serr := datasets.FashionMNISTSample()
	if serr != nil {
		return nil, fmt.Errorf("%w; and the embedded sample failed too: %w", err, serr)
	}
	why := "could not be found"
	if !o.offline {
		why = "could not be found or downloaded"
	}
	note := fmt.Sprintf("%s %s, so this run uses the embedded Fashion-MNIST sample instead (%d training and %d test images; accuracy will be lower than on the full dataset).\n%v",
		src.name, why, sample.NumTrain(), sample.NumTest(), err)
	return imageBundle(dataSource{kind: "sample", name: "fashion-mnist-sample"}, sample, note)
}

func imageBundle(src dataSource, d *datasets.Dataset, note string) (*bundle, error) {
	train, test, err := data.ImageTensors(d)
	if err != nil {
		return nil, err
	}
	name := d.Name
	if src.kind == "sample" {
		name = "fashion-mnist-sample"
	}
	return &bundle{source: src, name: name, task: taskClassify, classes: d.Classes,
		inputShape: []int{d.Channels, d.Height, d.Width}, train: train, test: test, note: note,
		augment: d.Name == datasets.CIFAR10.Name}, nil
}

// loadCSV reads a table. Without meta (training) the last 20% of a seeded
// shuffle is the test split and standardisation is fitted on the rest;
// with meta (evaluation) every row is a test row, read with the saved
// schema and statistics.
func loadCSV(src dataSource, o dataOptions, meta *csvMeta) (*bundle, error) {
	f, err := os.Open(src.name)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: %w", src, err)
	}
	defer f.Close()
	opts := csvfile.Options{Label: o.label}
	if meta != nil {
		opts = csvfile.Options{Schema: meta.Schema}
	} else {
		header, textCols, err := scanCSV(src.name)
		if err != nil {
			return nil, err
		}
		if opts.Label == "" {
			opts.Label = header[len(header)-1]
		}
		for _, c := range textCols {
			if c != opts.Label {
				opts.Categorical = append(opts.Categorical, c)
			}
		}
	}
	tab, err := csvfile.Read(f, opts)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: %w", src, err)
	}
	if tab.Rows < 2 && meta == nil {
		return nil, fmt.Errorf("dataset %s: %d rows are too few to train and test on", src, tab.Rows)
	}
	if tab.Y == nil {
		return nil, fmt.Errorf("dataset %s: no label column", src)
	}
	b := &bundle{source: src, name: filepath.Base(src.name), inputShape: []int{tab.NumFeatures()}}
	lab := tab.Schema.Label
	if lab.Kind == csvfile.Categorical {
		b.task, b.classes = taskClassify, lab.Categories
	} else {
		b.task = taskRegress
	}
	if meta == nil {
		meta = &csvMeta{Schema: tab.Schema, Label: lab.Name}
		perm := ember.Randperm(tab.Rows, ember.NewGenerator(o.seed)).Ints()
		nTest := max(1, tab.Rows/5)
		trainTab := subTable(tab, perm[nTest:])
		if meta.Scale, err = csvfile.FitStandardizer(trainTab); err != nil {
			return nil, err
		}
		testTab := subTable(tab, perm[:nTest])
		if b.train, err = csvDataset(trainTab, meta.Scale, b.task); err != nil {
			return nil, err
		}
		if b.test, err = csvDataset(testTab, meta.Scale, b.task); err != nil {
			return nil, err
		}
		b.note = fmt.Sprintf("%s: %d rows, %d features, label %q (%s); %d rows held out for testing", src.name,
			tab.Rows, tab.NumFeatures(), lab.Name, b.task, nTest)
	} else {
		if b.test, err = csvDataset(tab, meta.Scale, b.task); err != nil {
			return nil, err
		}
	}
	b.csv = meta
	return b, nil
}

// scanCSV reads a CSV file's header and names the columns holding any
// value that is not a number (or a missing-value marker): those are
// categorical.
func scanCSV(path string) (header, text []string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("dataset csv:%s: %w", path, err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = true
	rec, err := r.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("dataset csv:%s: reading the header: %w", path, err)
	}
	header = slices.Clone(rec)
	for i := range header {
		header[i] = strings.TrimSpace(header[i])
	}
	isText := make([]bool, len(header))
	missing := map[string]bool{}
	for _, m := range csvfile.DefaultMissing {
		missing[m] = true
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("dataset csv:%s: %w", path, err)
		}
		for i, v := range rec {
			if i >= len(isText) || isText[i] {
				continue
			}
			v = strings.TrimSpace(v)
			if _, err := strconv.ParseFloat(v, 64); err != nil && !missing[v] {
				isText[i] = true
			}
		}
	}
	for i, t := range isText {
		if t {
			text = append(text, header[i])
		}
	}
	return header, text, nil
}

// subTable copies the given rows of t.
func subTable(t *csvfile.Table, rows []int) *csvfile.Table {
	nf := t.NumFeatures()
	out := &csvfile.Table{Schema: t.Schema, Rows: len(rows), X: make([]float32, 0, len(rows)*nf), Y: make([]float32, 0, len(rows))}
	for _, r := range rows {
		out.X = append(out.X, t.Row(r)...)
		out.Y = append(out.Y, t.Y[r])
	}
	return out
}

func csvDataset(t *csvfile.Table, s *csvfile.Standardizer, tk task) (data.Dataset, error) {
	cp := &csvfile.Table{Schema: t.Schema, Rows: t.Rows, X: append([]float32(nil), t.X...), Y: t.Y}
	if err := s.Apply(cp); err != nil {
		return nil, err
	}
	x := ember.FromSlice(cp.X, cp.Rows, cp.NumFeatures())
	y := ember.FromSlice(cp.Y)
	if tk == taskClassify {
		y = y.To(ember.Int64)
	} else {
		y = y.Reshape(-1, 1)
	}
	return data.NewTensorDataset(x, y)
}

// loadText reads a byte-level corpus: the first 90% trains and the last
// 10% tests (as gpt_char.py); an epoch visits every context-long chunk of
// the training text once, in a shuffled order.
func loadText(src dataSource, o dataOptions) (*bundle, error) {
	c, err := textfile.Load([]string{src.name}, textfile.Options{})
	if err != nil {
		return nil, fmt.Errorf("dataset %s: %w", src, err)
	}
	ctxLen := o.context
	split := len(c.Tokens) * 9 / 10
	if split <= ctxLen || len(c.Tokens)-split <= ctxLen {
		return nil, fmt.Errorf("dataset %s: %d bytes are too few for a context of %d (each of the 90%%/10%% splits needs more than %d)",
			src, len(c.Tokens), ctxLen, ctxLen)
	}
	chunks := func(tokens []int32) (data.Dataset, error) {
		w, err := data.NewTextWindows(&textfile.Corpus{Tokens: tokens}, ctxLen)
		if err != nil {
			return nil, err
		}
		var idx []int
		for i := 0; i < w.Len(); i += ctxLen {
			idx = append(idx, i)
		}
		return &data.Subset{Dataset: w, Indices: idx}, nil
	}
	b := &bundle{source: src, name: filepath.Base(src.name), task: taskText, inputShape: []int{ctxLen}}
	if b.train, err = chunks(c.Tokens[:split]); err != nil {
		return nil, err
	}
	if b.test, err = chunks(c.Tokens[split:]); err != nil {
		return nil, err
	}
	b.note = fmt.Sprintf("%s: %d bytes from %d file(s); %d training and %d test chunks of %d bytes",
		src.name, len(c.Tokens), len(c.Files), b.train.Len(), b.test.Len(), ctxLen)
	return b, nil
}
