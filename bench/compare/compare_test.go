package main

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestPairAndTable(t *testing.T) {
	ember := `{"name": "gemm", "config": {"lib": "ember", "M": 8, "K": 8, "N": 8, "dtype": "float32", "layout": "NN"}, "metric": "throughput", "value": 30.0, "unit": "GFLOP/s", "load1": 0.1}
{"name": "conv2d_forward", "config": {"N": 2, "case": "c"}, "metric": "time", "value": 4.0, "unit": "ms"}
{"name": "mlp_fmnist", "config": {"model": "mlp_fmnist", "params": 10}, "metric": "test_accuracy", "value": 0.88, "unit": "fraction"}
{"name": "cnn_fmnist", "config": {"model": "cnn_fmnist", "target": 0.91}, "metric": "time_to_accuracy", "value": null, "unit": "s"}
{"name": "lstm_forward", "config": {"batch": 1}, "metric": "time_per_step", "value": 2.0, "unit": "ms"}
`
	torch := `noise that is not JSON
{"name": "gemm", "config": {"lib": "torch", "M": 8, "K": 8, "N": 8, "dtype": "float32", "layout": "NN"}, "metric": "throughput", "value": 60.0, "unit": "GFLOP/s"}
{"name": "gemm", "config": {"lib": "numpy", "M": 8, "K": 8, "N": 8, "dtype": "float32", "layout": "NN"}, "metric": "throughput", "value": 999.0, "unit": "GFLOP/s"}
{"name": "conv2d_forward", "config": {"case": "c", "N": 2}, "metric": "time", "value": 8.0, "unit": "ms"}
{"name": "mlp_fmnist", "config": {"model": "mlp_fmnist", "params": 11}, "metric": "test_accuracy", "value": 0.8, "unit": "fraction"}
{"name": "cnn_fmnist", "config": {"model": "cnn_fmnist", "target": 0.91}, "metric": "time_to_accuracy", "value": 70.0, "unit": "s"}
`
	e, err := parse(strings.NewReader(ember))
	if err != nil {
		t.Fatal(err)
	}
	p, err := parse(strings.NewReader(torch))
	if err != nil {
		t.Fatal(err)
	}
	checkTable(t, pair(e, p),
		"| gemm | K=8 M=8 N=8 dtype=float32 layout=NN | throughput | GFLOP/s | 30 | 60 | 0.5× the speed |",
		"| conv2d_forward | N=2 case=c | time | ms | 4 | 8 | 2× the speed |",
		"| mlp_fmnist | model=mlp_fmnist | test_accuracy | fraction | 0.88 | 0.8 | 1.1 |",
		"| cnn_fmnist | model=cnn_fmnist target=0.91 | time_to_accuracy | s | n/a | 70 | n/a |",
		"| lstm_forward | batch=1 | time_per_step | ms | 2 | n/a | n/a |",
	)
	if _, err := parse(strings.NewReader("{not json\n")); err == nil {
		t.Error("a broken JSON line was accepted")
	}
}

func TestUnknownWorkload(t *testing.T) {
	var b bytes.Buffer
	if err := run(t.Context(), []string{"nope"}, &b, &b); err == nil || !strings.Contains(err.Error(), `unknown workload "nope"`) {
		t.Errorf("error %v", err)
	}
}

// TestRounds: several rounds give each side's median and the median of the
// per-round ratios with their range; a value missing in a round is left
// out of its median.
func TestRounds(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	mk := func(e, p *float64) []row {
		return []row{
			{name: "gpt_char", cfg: "batch=16", metric: "train_throughput", unit: "tokens/s", ember: e, torch: p},
			{name: "gpt_char", cfg: "batch=16", metric: "peak_rss", unit: "MiB", ember: f(200), torch: f(400)},
		}
	}
	checkTable(t, merge([][]row{mk(f(150), f(100)), mk(f(120), f(100)), mk(f(140), f(70)), mk(nil, f(90))}),
		"| gpt_char | batch=16 | train_throughput | tokens/s | 140 | 95 | 1.5× the speed (median of 3 of 4 rounds; 1.2–2) |",
		"| gpt_char | batch=16 | peak_rss | MiB | 200 | 400 | 0.5 (median of 4 rounds; 0.5–0.5) |",
	)
	if one := merge([][]row{mk(f(1), f(2))}); len(one) != 2 || one[0].ratios != nil {
		t.Errorf("one round: %+v", one)
	}
	var e bytes.Buffer
	if err := run(t.Context(), []string{"--rounds", "0", "gemm"}, &e, &e); err == nil || !strings.Contains(err.Error(), "--rounds must be at least 1") {
		t.Errorf("--rounds 0: %v", err)
	}
}

// checkTable writes rows as a table and compares it, under the header,
// with the given lines.
func checkTable(t *testing.T, rows []row, lines ...string) {
	t.Helper()
	var b bytes.Buffer
	if err := writeTable(&b, rows); err != nil {
		t.Fatal(err)
	}
	want := append([]string{
		"| name | config | metric | unit | Ember | PyTorch | Ember vs PyTorch |",
		"|---|---|---|---|---|---|---|",
	}, lines...)
	if got := strings.Split(strings.TrimSpace(b.String()), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), strings.Join(want, "\n"))
	}
}

// TestSeeds: --seeds rows of different seeds merge as rounds, a time to
// accuracy missing on either side in some seeds counts only the seeds with
// both, and bad lists are refused.
func TestSeeds(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	mk := func(seed int, e, p *float64) []row {
		return relabelSeed([]row{
			{name: "cnn_fmnist", cfg: fmt.Sprintf("batch=128 seed=%d target=0.91", seed), metric: "time_to_accuracy", unit: "s", ember: e, torch: p},
			{name: "cnn_fmnist", cfg: fmt.Sprintf("batch=128 seed=%d", seed), metric: "train_throughput", unit: "samples/s", ember: f(3000), torch: f(2000)},
		}, "0, 1,2")
	}
	checkTable(t, merge([][]row{mk(0, nil, f(150)), mk(1, f(100), f(200)), mk(2, f(120), nil)}),
		"| cnn_fmnist | batch=128 seed=0,1,2 target=0.91 | time_to_accuracy | s | 110 | 175 | 2× the speed (median of 1 of 3 rounds; 2–2) |",
		"| cnn_fmnist | batch=128 seed=0,1,2 | train_throughput | samples/s | 3000 | 2000 | 1.5× the speed (median of 3 rounds; 1.5–1.5) |",
	)
	checkTable(t, merge([][]row{mk(0, nil, f(150)), mk(1, f(100), nil)})[:1],
		"| cnn_fmnist | batch=128 seed=0,1,2 target=0.91 | time_to_accuracy | s | 100 | 150 | n/a (in each of 2 rounds) |",
	)
	if s, err := parseSeeds(" 3,0 ,17"); err != nil || !slices.Equal(s, []uint64{3, 0, 17}) {
		t.Errorf("parseSeeds: %v, %v", s, err)
	}
	if s, err := parseSeeds(""); err != nil || s != nil {
		t.Errorf("parseSeeds(\"\"): %v, %v", s, err)
	}
	var e bytes.Buffer
	for _, bad := range []string{"1,,2", "-1", "x"} {
		if err := run(t.Context(), []string{"--seeds", bad, "cnn_fmnist"}, &e, &e); err == nil || !strings.Contains(err.Error(), "--seeds") {
			t.Errorf("--seeds %q: %v", bad, err)
		}
	}
}

// TestLinesRaw: a program's output is parsed and, with --raw, copied as
// printed (comment lines too).
func TestLinesRaw(t *testing.T) {
	out := "# a comment\n" + `{"name": "x", "config": {"seed": 3}, "metric": "m", "value": 1.5, "unit": "s"}` + "\n"
	var raw, stderr bytes.Buffer
	recs, err := lines(t.Context(), t.TempDir(), &stderr, &raw, "printf", "%s", out)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].cfg != "seed=3" || *recs[0].Value != 1.5 {
		t.Errorf("records %+v", recs)
	}
	if raw.String() != out {
		t.Errorf("raw copy %q, want %q", raw.String(), out)
	}
}
