// Command compare runs Ember's benchmarks and the PyTorch reference
// scripts one after the other on the same machine and prints a Markdown
// table of the matching measurements with their ratios.
//
//	go run ./bench/compare                      # every workload
//	go run ./bench/compare mlp_fmnist conv --epochs 1
//	go run ./bench/compare --rounds 3 gpt_char  # alternate three times
//	go run ./bench/compare --epochs 8 --seeds 0,1,2 cnn_fmnist  # a round per seed
//
// Ember runs as `ember bench --json --threads N WORKLOAD` (built from this
// module), PyTorch as `/usr/bin/python3 bench/pytorch/WORKLOAD.py` (which
// uses 2 threads unless $ANCHOR_THREADS says otherwise). Lines are matched
// on name, metric and configuration (the gemm "lib" key aside); the last
// column gives Ember's speed as a multiple of PyTorch's for rates and
// times (above 1: Ember is faster), and the plain ratio Ember/PyTorch for
// other metrics (accuracy, loss, memory).
//
// The machines are shared and noisy: one side of a run can be slowed by a
// neighbour for minutes. With --rounds N each workload runs N times,
// Ember and PyTorch in turn, and the table gives the median of each side's
// values and the median of the N per-round ratios, with their range.
//
// With --seeds the Fashion-MNIST workloads run once per seed (round r
// with the r-th seed, Ember and PyTorch each from their own seeded
// weights and shuffles), and the rows of all seeds merge as rounds do:
// accuracy after a fixed recipe depends on the seed by more than the two
// libraries differ, so one seed's time to an accuracy says little alone.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

var allWorkloads = []string{"gemm", "conv", "lstm", "mlp_fmnist", "cnn_fmnist", "gpt_char"}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	python := fs.String("python", "/usr/bin/python3", "Python that sees torch")
	threads := fs.Int("threads", 2, "Ember's compute threads (the scripts use 2)")
	epochs := fs.Int("epochs", 0, "epochs of mlp_fmnist and cnn_fmnist (0: the scripts' 5)")
	steps := fs.Int("steps", 0, "steps of gpt_char (0: the script's 300)")
	quick := fs.Bool("quick", false, "gemm: only the quick shapes")
	rounds := fs.Int("rounds", 1, "runs of each workload, Ember and PyTorch in turn; the table gives medians")
	seedList := fs.String("seeds", "", "comma-separated seeds of mlp_fmnist and cnn_fmnist, one a round (rounds default to their count)")
	rawPath := fs.String("raw", "", "also write every JSON line of both sides, as printed, to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *rounds < 1 {
		return fmt.Errorf("--rounds must be at least 1, got %d", *rounds)
	}
	seeds, err := parseSeeds(*seedList)
	if err != nil {
		return err
	}
	roundsSet := false
	fs.Visit(func(f *flag.Flag) { roundsSet = roundsSet || f.Name == "rounds" })
	if len(seeds) > 0 && !roundsSet {
		*rounds = len(seeds)
	}
	work := fs.Args()
	if len(work) == 0 {
		work = allWorkloads
	}
	for _, w := range work {
		if !slices.Contains(allWorkloads, w) {
			return fmt.Errorf("unknown workload %q (known: %s)", w, strings.Join(allWorkloads, ", "))
		}
	}
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "ember-compare")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	ember := filepath.Join(tmp, "ember")
	build := exec.CommandContext(ctx, "go", "build", "-o", ember, "./cmd/ember")
	build.Dir, build.Stderr = root, stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building ember: %w", err)
	}
	var raw io.Writer
	if *rawPath != "" {
		f, err := os.Create(*rawPath)
		if err != nil {
			return err
		}
		defer f.Close()
		raw = f
	}
	var rows []row
	for _, w := range work {
		eArgs := []string{"bench", "--json", "--threads", fmt.Sprint(*threads), w}
		var pArgs []string
		switch w {
		case "mlp_fmnist", "cnn_fmnist":
			if *epochs > 0 {
				eArgs = append(eArgs, "--epochs", fmt.Sprint(*epochs))
				pArgs = append(pArgs, fmt.Sprint(*epochs))
			}
		case "gpt_char":
			if *steps > 0 {
				eArgs = append(eArgs, "--steps", fmt.Sprint(*steps))
				pArgs = append(pArgs, fmt.Sprint(*steps))
			}
		case "gemm":
			if *quick {
				eArgs = append(eArgs, "--quick")
				pArgs = append(pArgs, "--quick")
			}
		}
		seeded := len(seeds) > 0 && (w == "mlp_fmnist" || w == "cnn_fmnist")
		var per [][]row
		for r := range *rounds {
			round := ""
			if *rounds > 1 {
				round = fmt.Sprintf(" (round %d of %d)", r+1, *rounds)
			}
			ea, pa := eArgs, append([]string{filepath.Join("bench", "pytorch", w+".py")}, pArgs...)
			if seeded {
				seed := seeds[r%len(seeds)]
				round += fmt.Sprintf(" seed %d", seed)
				ea = append(slices.Clone(ea), "--seed", fmt.Sprint(seed))
				if len(pArgs) == 0 {
					pa = append(pa, "5") // the scripts' EPOCHS, before SEED
				}
				pa = append(pa, fmt.Sprint(seed))
			}
			fmt.Fprintf(stderr, "== %s: ember%s\n", w, round)
			el, err := lines(ctx, root, stderr, raw, ember, ea...)
			if err != nil {
				return fmt.Errorf("ember bench %s: %w", w, err)
			}
			fmt.Fprintf(stderr, "== %s: pytorch%s\n", w, round)
			pl, err := lines(ctx, root, stderr, raw, *python, pa...)
			if err != nil {
				return fmt.Errorf("pytorch %s: %w", w, err)
			}
			rows := pair(el, pl)
			if seeded {
				rows = relabelSeed(rows, *seedList)
			}
			per = append(per, rows)
		}
		rows = append(rows, merge(per)...)
	}
	return writeTable(stdout, rows)
}

// parseSeeds reads --seeds: comma-separated non-negative integers, or
// nothing.
func parseSeeds(list string) ([]uint64, error) {
	if list == "" {
		return nil, nil
	}
	var seeds []uint64
	for _, f := range strings.Split(list, ",") {
		s, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("--seeds: %q is not a non-negative integer", f)
		}
		seeds = append(seeds, s)
	}
	return seeds, nil
}

// relabelSeed replaces the seed in each row's configuration by the list of
// seeds, so that merge takes the seeds' rows as rounds of one row.
func relabelSeed(rows []row, list string) []row {
	for i := range rows {
		parts := strings.Fields(rows[i].cfg)
		for j, p := range parts {
			if strings.HasPrefix(p, "seed=") {
				parts[j] = "seed=" + strings.ReplaceAll(list, " ", "")
			}
		}
		rows[i].cfg = strings.Join(parts, " ")
	}
	return rows
}

// merge combines the rows of several rounds of one workload (matched by
// name, metric and configuration, in the first round's order): each side's
// median value, and with more than one round each round's ratio.
func merge(rounds [][]row) []row {
	if len(rounds) == 1 {
		return rounds[0]
	}
	type acc struct {
		r            row
		ember, torch []float64
		ratios       []float64
	}
	var order []string
	byKey := map[string]*acc{}
	for _, rows := range rounds {
		for _, r := range rows {
			k := r.name + "|" + r.metric + "|" + r.cfg
			a, ok := byKey[k]
			if !ok {
				a = &acc{r: row{name: r.name, cfg: r.cfg, metric: r.metric, unit: r.unit}}
				byKey[k] = a
				order = append(order, k)
			}
			a.r.rounds++
			if r.ember != nil {
				a.ember = append(a.ember, *r.ember)
			}
			if r.torch != nil {
				a.torch = append(a.torch, *r.torch)
			}
			if q, ok := ratio(r); ok {
				a.ratios = append(a.ratios, q)
			}
		}
	}
	out := make([]row, len(order))
	for i, k := range order {
		a := byKey[k]
		a.r.ember, a.r.torch, a.r.ratios = median(a.ember), median(a.torch), a.ratios
		out[i] = a.r
	}
	return out
}

// median returns the median of v (the mean of the middle two for an even
// count), or nil for none.
func median(v []float64) *float64 {
	if len(v) == 0 {
		return nil
	}
	s := slices.Clone(v)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + m) / 2
	}
	return &m
}

// moduleRoot is the directory of this module's go.mod.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("run compare inside the Ember module")
	}
	return filepath.Dir(mod), nil
}

// record is one JSON line.
type record struct {
	Name   string          `json:"name"`
	Config json.RawMessage `json:"config"`
	Metric string          `json:"metric"`
	Value  *float64        `json:"value"`
	Unit   string          `json:"unit"`
	Lib    string          `json:"-"`
	key    string
	cfg    string
}

// lines runs a program and parses the JSON lines it prints, copying its
// output to raw when that is not nil.
func lines(ctx context.Context, dir string, stderr, raw io.Writer, prog string, args ...string) ([]record, error) {
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Dir, cmd.Stderr = dir, stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, err
	}
	if raw != nil {
		if _, err := raw.Write(out); err != nil {
			return nil, err
		}
	}
	return parse(bytes.NewReader(out))
}

// parse reads JSON lines (others are skipped) and computes their keys.
func parse(r io.Reader) ([]record, error) {
	var out []record
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.HasPrefix(line, []byte("{")) {
			continue
		}
		var rec record
		if err := json.Unmarshal(line, &rec); err != nil {
			return nil, fmt.Errorf("bad JSON line %q: %w", line, err)
		}
		var cfg map[string]any
		if err := json.Unmarshal(rec.Config, &cfg); err != nil {
			return nil, fmt.Errorf("line %q: config: %w", line, err)
		}
		if lib, ok := cfg["lib"].(string); ok {
			rec.Lib = lib
		}
		keys := make([]string, 0, len(cfg))
		for k := range cfg {
			switch k {
			case "lib", "params", "corpus_sha256", "corpus_bytes", "corpus_files":
				continue
			}
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s=%v", k, cfg[k])
		}
		rec.cfg = strings.Join(parts, " ")
		rec.key = rec.Name + "|" + rec.Metric + "|" + rec.cfg
		out = append(out, rec)
	}
	return out, sc.Err()
}

// row is one compared measurement.
type row struct {
	name, cfg, metric, unit string
	ember, torch            *float64
	ratios                  []float64 // per round, when there were several
	rounds                  int       // rounds merged into the row (0: a single run)
}

// pair matches Ember's lines with PyTorch's (torch, not numpy, for gemm).
func pair(ember, torch []record) []row {
	byKey := map[string]record{}
	for _, r := range torch {
		if r.Lib == "numpy" {
			continue
		}
		byKey[r.key] = r
	}
	var out []row
	for _, e := range ember {
		r := row{name: e.Name, cfg: e.cfg, metric: e.Metric, unit: e.Unit, ember: e.Value}
		if t, ok := byKey[e.key]; ok {
			r.torch = t.Value
		}
		out = append(out, r)
	}
	return out
}

// faster reports whether larger values are better (rates) or smaller
// (times); ok is false for other units.
func faster(unit string) (higherBetter, ok bool) {
	switch {
	case strings.HasSuffix(unit, "/s"):
		return true, true
	case unit == "s" || unit == "ms":
		return false, true
	}
	return false, false
}

func writeTable(w io.Writer, rows []row) error {
	fmt.Fprintln(w, "| name | config | metric | unit | Ember | PyTorch | Ember vs PyTorch |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	num := func(p *float64) string {
		if p == nil {
			return "n/a"
		}
		return fmt.Sprintf("%.4g", *p)
	}
	for _, r := range rows {
		text := "n/a"
		q, ok := ratio(r)
		if r.rounds > 1 {
			// Only the rounds' own ratios: the sides' medians may come
			// from different rounds when a value is missing in some.
			ok = len(r.ratios) > 0
			if ok {
				q = *median(r.ratios)
			}
		}
		if ok {
			_, speed := faster(r.unit)
			text = fmt.Sprintf("%.3g", q)
			if speed {
				text += "× the speed"
			}
			if r.rounds > 1 {
				of := fmt.Sprint(len(r.ratios))
				if len(r.ratios) < r.rounds {
					of += fmt.Sprintf(" of %d", r.rounds)
				}
				text += fmt.Sprintf(" (median of %s rounds; %.3g–%.3g)", of, slices.Min(r.ratios), slices.Max(r.ratios))
			}
		} else if r.rounds > 1 {
			text += fmt.Sprintf(" (in each of %d rounds)", r.rounds)
		}
		if _, err := fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", r.name, r.cfg, r.metric, r.unit,
			num(r.ember), num(r.torch), text); err != nil {
			return err
		}
	}
	return nil
}

// ratio is the last column's number for one round: Ember's speed as a
// multiple of PyTorch's for rates and times, else the plain ratio
// Ember/PyTorch; ok is false when either value is missing or zero.
func ratio(r row) (float64, bool) {
	if r.ember == nil || r.torch == nil || *r.ember == 0 || *r.torch == 0 {
		return 0, false
	}
	hb, speed := faster(r.unit)
	switch {
	case speed && hb:
		return *r.ember / *r.torch, true
	case speed:
		return *r.torch / *r.ember, true
	}
	return *r.ember / *r.torch, true
}
