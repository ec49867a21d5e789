package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/backend/cpu/gemm"
	"github.com/emberdl/ember/internal/parallel"
)

// tinyBench runs every workload's code path on small sizes.
var tinyBench = benchConfig{
	Timing:     timing{Samples: 3, Warmup: 1, MinTime: 0},
	GemmSquare: []int{8, 16},
	GemmNN:     [][3]int{{4, 6, 5}},
	GemmTN:     [3]int{5, 3, 7},
	GemmF64:    8,
	PeakIters:  1000,
	Conv: []convCase{
		{"fmnist_conv1", [4]int{2, 1, 6, 6}, 3, 3, false},
		{"fmnist_conv2", [4]int{2, 3, 5, 5}, 4, 3, true},
	},
	LSTM:          [4]int{3, 2, 4, 5},
	FmnistEpochs:  2,
	FmnistBatch:   64,
	FmnistWarmup:  2,
	FmnistDataset: "sample",
	FmnistLimit:   200,
	FmnistTestLim: 200,
	GPTSteps:      5, GPTWarmup: 2, GPTBatch: 2,
	GPT:          [4]int{1, 2, 8, 8},
	GPTNewTokens: 12, GPTValBatches: 2, GPTGenRuns: 1,
	GPT2: gpt2Config{Layers: 2, Heads: 2, Embd: 16, Block: 8, Vocab: 50, Batch: 2, Steps: 3, Warmup: 1,
		DType: "bfloat16", PeakTFLOPs: 1},
}

func TestBenchJSONLines(t *testing.T) {
	var out bytes.Buffer
	a := &app{stdout: &out, stderr: &out}
	if err := a.runBench(context.Background(), defaultWorkloads(), ember.CPU, tinyBench, true); err != nil {
		t.Fatal(err)
	}
	type line struct {
		Name   string         `json:"name"`
		Config map[string]any `json:"config"`
		Metric string         `json:"metric"`
		Value  any            `json:"value"`
		Unit   string         `json:"unit"`
		Extra  map[string]any `json:"-"`
	}
	var got []string
	var recs []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var rec line
		var raw map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("not a JSON line: %q: %v", l, err)
		}
		json.Unmarshal([]byte(l), &raw)
		recs = append(recs, raw)
		got = append(got, rec.Name+" "+rec.Metric+" "+rec.Unit)
		// Key order as the scripts print it.
		if !strings.HasPrefix(l, `{"name": "`+rec.Name+`", "config": {`) || !strings.Contains(l, `"metric": "`+rec.Metric+`", "value": `) {
			t.Errorf("key order: %s", l)
		}
	}
	var want []string
	if gemm.KernelName() != "go" { // the FMA ceiling needs the assembly loop
		want = append(want, "peak_fma_fp32 throughput GFLOP/s")
		if parallel.Workers() > 1 {
			want = append(want, "peak_fma_fp32 throughput GFLOP/s")
		}
	}
	want = append(want,
		"gemm throughput GFLOP/s", "gemm throughput GFLOP/s", "gemm throughput GFLOP/s", "gemm throughput GFLOP/s", "gemm throughput GFLOP/s",
		"conv2d_forward time ms", "conv2d_forward throughput GFLOP/s", "conv2d_forward_backward time ms", "conv2d_forward_backward throughput GFLOP/s",
		"conv2d_forward time ms", "conv2d_forward throughput GFLOP/s", "conv2d_forward_backward time ms", "conv2d_forward_backward throughput GFLOP/s",
		"lstm_forward time_per_step ms", "lstm_forward_backward time_per_step ms",
		"mlp_fmnist_epoch test_accuracy fraction", "mlp_fmnist_epoch test_accuracy fraction",
		"mlp_fmnist train_throughput samples/s", "mlp_fmnist epoch_time s", "mlp_fmnist test_accuracy fraction", "mlp_fmnist peak_rss MiB",
		"cnn_fmnist_epoch test_accuracy fraction", "cnn_fmnist_epoch test_accuracy fraction",
		"cnn_fmnist train_throughput samples/s", "cnn_fmnist epoch_time s", "cnn_fmnist test_accuracy fraction",
		"cnn_fmnist time_to_accuracy s", "cnn_fmnist peak_rss MiB",
		"gpt_char train_throughput tokens/s", "gpt_char train_loss nats/token", "gpt_char val_loss nats/token", "gpt_char peak_rss MiB",
		"gpt_char_generate tokens_per_s tokens/s", "gpt_char_generate tokens_per_s tokens/s",
		"gpt_char_generate cache_matches_nocache_first_7 bool",
	)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	keys := func(m map[string]any) string {
		var b []string
		for k := range m {
			b = append(b, k)
		}
		slices.Sort(b)
		return strings.Join(b, ",")
	}
	// The FMA ceiling's lines come first; the index checks below count
	// from the first gemm line.
	for len(recs) > 0 && recs[0]["name"] == "peak_fma_fp32" {
		if got := keys(recs[0]["config"].(map[string]any)); got != "chains,isa,threads" {
			t.Errorf("peak_fma_fp32 config keys %s", got)
		}
		if v := recs[0]["value"].(float64); v <= 0 {
			t.Errorf("peak_fma_fp32 throughput %v", v)
		}
		recs = recs[1:]
	}
	checks := []struct {
		i          int
		configKeys string
		extras     []string
	}{
		{0, "K,M,N,dtype,layout,lib", []string{"min", "max"}},
		{5, "Cin,Cout,H,N,W,case,input_grad,k,pad", []string{"min", "max"}},
		{14, "batch,hidden,input,layers,seq_len", []string{"min", "max", "gate_gflops"}},
		{15, "batch,epoch,epochs,lr,model,optimizer,params,seed", []string{"epoch_time_s", "train_loss"}},
		{17, "batch,epochs,lr,model,optimizer,params,seed", []string{"note"}},
		{18, "batch,epochs,lr,model,optimizer,params,seed", []string{"min", "max", "per_epoch"}},
		{26, "batch,epochs,lr,model,optimizer,params,seed,target", []string{"note"}},
		{28, "batch,block_size,corpus_bytes,corpus_files,corpus_sha256,n_embd,n_head,n_layer,params,steps", []string{"step_ms", "note"}},
		{32, "batch,block_size,corpus_bytes,corpus_files,corpus_sha256,kv_cache,n_embd,n_head,n_layer,new_tokens,params,steps", []string{"min", "max"}},
	}
	for _, c := range checks {
		r := recs[c.i]
		if got := keys(r["config"].(map[string]any)); got != c.configKeys {
			t.Errorf("line %d (%s) config keys %s, want %s", c.i, r["name"], got, c.configKeys)
		}
		for _, x := range append(c.extras, "load1", "others_cpus") {
			if _, ok := r[x]; !ok {
				t.Errorf("line %d (%s) lacks %q", c.i, r["name"], x)
			}
		}
	}
	if v := recs[0]["value"].(float64); v <= 0 {
		t.Errorf("gemm throughput %v", v)
	}
	if recs[0]["config"].(map[string]any)["lib"] != "ember" || recs[4]["config"].(map[string]any)["dtype"] != "float64" ||
		recs[3]["config"].(map[string]any)["layout"] != "TN" {
		t.Errorf("gemm configs: %v %v %v", recs[0]["config"], recs[3]["config"], recs[4]["config"])
	}
	if acc := recs[19]["value"].(float64); acc < 0.3 {
		t.Errorf("mlp test accuracy %v after two epochs on 200 images", acc)
	}
	if v := recs[34]["value"].(float64); v != 1 {
		t.Errorf("generation with and without the cache differ: %v", recs[34])
	}
}

func TestBenchHumanOutput(t *testing.T) {
	var out bytes.Buffer
	a := &app{stdout: &out, stderr: &out}
	c := tinyBench
	c.GemmNN, c.GemmTN, c.GemmF64 = nil, [3]int{}, 0
	if err := a.runBench(context.Background(), []string{"gemm"}, ember.CPU, c, false); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "gemm") || !strings.Contains(lines[0], "GFLOP/s") ||
		!strings.Contains(lines[1], "M=16 K=16 N=16 dtype=float32 layout=NN") {
		t.Errorf("human output:\n%s", out.String())
	}
}

// TestBenchGPT2Small runs the gpt2_small workload's code path on a tiny
// model on the CPU and checks its lines and their arithmetic.
func TestBenchGPT2Small(t *testing.T) {
	var out bytes.Buffer
	a := &app{stdout: &out, stderr: &out}
	if err := a.runBench(context.Background(), []string{"gpt2_small"}, ember.CPU, tinyBench, true); err != nil {
		t.Fatal(err)
	}
	var recs []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("not a JSON line: %q", l)
		}
		recs = append(recs, r)
	}
	var metrics []string
	for _, r := range recs {
		metrics = append(metrics, r["name"].(string)+" "+r["metric"].(string))
	}
	if got := strings.Join(metrics, ","); got != "gpt2_small train_throughput,gpt2_small mfu,gpt2_small train_loss" {
		t.Fatalf("lines %s", got)
	}
	c := tinyBench.GPT2
	params := recs[0]["config"].(map[string]any)["params"].(float64)
	// Tied embeddings: wte + wpe, per block 12·C² + 13·C, the final norm.
	C, L := float64(c.Embd), float64(c.Layers)
	if want := float64(c.Vocab)*C + float64(c.Block)*C + L*(12*C*C+13*C) + 2*C; params != want {
		t.Errorf("params %v, want %v", params, want)
	}
	tps, mfu := recs[0]["value"].(float64), recs[1]["value"].(float64)
	fpt := recs[1]["flops_per_token"].(float64)
	if want := 6*(params-float64(c.Block)*C) + 12*L*C*float64(c.Block); fpt != want {
		t.Errorf("flops per token %v, want %v", fpt, want)
	}
	if tps <= 0 || math.Abs(mfu-tps*fpt/1e12) > 1e-5 { // printed to 5 decimals
		t.Errorf("tokens/s %v, mfu %v", tps, mfu)
	}
	if l := recs[2]["value"].(float64); math.IsNaN(l) || math.Abs(l-math.Log(float64(c.Vocab))) > 1 {
		t.Errorf("loss %v, want about ln(%d)", l, c.Vocab)
	}
	for _, w := range defaultWorkloads() {
		if w == "gpt2_small" {
			t.Error("gpt2_small runs by default")
		}
	}
}

// TestBenchSeed: --seed reaches the fmnist workloads (their weights and
// shuffles) and their configs; two seeds train differently.
func TestBenchSeed(t *testing.T) {
	acc := map[uint64]string{}
	for _, seed := range []uint64{0, 7} {
		var out bytes.Buffer
		a := &app{stdout: &out, stderr: &out}
		c := tinyBench
		c.FmnistEpochs, c.FmnistSeed = 1, seed
		if err := a.runBench(context.Background(), []string{"mlp_fmnist"}, ember.CPU, c, true); err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			var rec struct {
				Name   string         `json:"name"`
				Config map[string]any `json:"config"`
				Metric string         `json:"metric"`
				Value  any            `json:"value"`
			}
			if err := json.Unmarshal([]byte(l), &rec); err != nil {
				t.Fatal(err)
			}
			if s := rec.Config["seed"]; s != float64(seed) {
				t.Errorf("seed %d: %s %s has config seed %v", seed, rec.Name, rec.Metric, s)
			}
			if rec.Name == "mlp_fmnist_epoch" {
				acc[seed] = fmt.Sprint(rec.Value)
			}
		}
	}
	if acc[0] == "" || acc[0] == acc[7] {
		t.Errorf("test accuracy after one epoch: seed 0 %s, seed 7 %s", acc[0], acc[7])
	}
}
