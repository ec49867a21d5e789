package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/safetensors"
)

func TestFlagErrors(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "t.txt")
	os.WriteFile(text, []byte(strings.Repeat("hello world ", 50)), 0o644)
	noMeta := filepath.Join(dir, "plain.safetensors")
	if err := safetensors.WriteFile(noMeta, []safetensors.Tensor{{Name: "w", DType: safetensors.F32, Shape: []int{1}, Data: make([]byte, 4)}}, nil); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage.safetensors")
	os.WriteFile(garbage, []byte("\xff\xff\xff\xff\xff\xff\xff\x7fnot a header"), 0o644)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"train", "--bogus"}, exitUsage, "unknown flag: --bogus"},
		{[]string{"train", "--epochs", "0"}, exitUsage, "--epochs must be at least 1"},
		{[]string{"train", "--epochs", "x"}, exitUsage, `invalid argument "x" for "--epochs"`},
		{[]string{"train", "--lr", "-1"}, exitUsage, "--lr must be a positive number"},
		{[]string{"train", "--model", "vgg"}, exitUsage, `unknown model "vgg"`},
		{[]string{"train", "--dataset", "imagenet"}, exitUsage, `unknown --dataset "imagenet"`},
		{[]string{"train", "--dataset", "csv:"}, exitUsage, "needs a file name"},
		{[]string{"train", "--device", "tpu"}, exitUsage, `unknown device "tpu"`},
		{[]string{"train", "--model", "gpt-char"}, exitUsage, "train it with --dataset text:FILE"},
		{[]string{"train", "--model", "cnn", "--dataset", "text:" + text}, exitUsage, "train it with --model gpt-char"},
		{[]string{"train", "--model", "resnet", "--depth", "9", "--dataset", "sample", "--out", dir}, exitError, "ResNet depth must be 6n+2"},
		{[]string{"train", "extra"}, exitUsage, "takes no arguments"},
		{[]string{"eval"}, exitUsage, "--model-file is required"},
		{[]string{"eval", "--model-file", filepath.Join(dir, "none.safetensors")}, exitError, "does not exist"},
		{[]string{"eval", "--model-file", noMeta}, exitError, `has no "ember.format" metadata`},
		{[]string{"eval", "--model-file", garbage}, exitError, "model file " + garbage},
		{[]string{"predict", "--model-file", noMeta}, exitUsage, "at least one image"},
		{[]string{"predict", "--model-file", noMeta, "--invert", "maybe", "x.png"}, exitUsage, "--invert must be auto, always or never"},
		{[]string{"summary", "--model", "nope"}, exitUsage, `unknown model "nope"`},
		{[]string{"summary", "--depth", "-1"}, exitUsage, "--depth must be positive"},
		{[]string{"bench", "nope"}, exitUsage, `unknown workload "nope"`},
		{[]string{"bench", "--device", "auto"}, exitUsage, "--device must be cpu or cuda"},
		{[]string{"bench", "--device-profile", "/nonexistent/p.txt", "gemm"}, exitUsage, "cpu has no device profile"},
		{[]string{"info", "x"}, exitUsage, "takes no arguments"},
		{[]string{"frobnicate"}, exitError, `unknown command "frobnicate"`},
	}
	if ember.Available(ember.CUDA) != nil {
		tests = append(tests, struct {
			args []string
			code int
			want string
		}{[]string{"train", "--device", "cuda"}, exitError, "--device cuda: CUDA is not usable on this machine"})
	}
	for _, tc := range tests {
		r := cli{t: t}.run(context.Background(), tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("ember %s: exit %d, stderr %q; want exit %d and %q", strings.Join(tc.args, " "), r.code, r.stderr, tc.code, tc.want)
		}
	}
}

func TestSummaryCommand(t *testing.T) {
	r := mustRun(t, "summary", "--model", "cnn")
	for _, want := range []string{"cnn, input [1 28 28]", "0 (", "[1 32 28 28]", "7 (Linear)", "[1 128]", "401,536", "Total params: 421,642"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}
	r = mustRun(t, "summary", "--model", "resnet", "--depth", "14", "--width", "8")
	if !strings.Contains(r.stdout, "layer3.1 (BasicBlock)") || !strings.Contains(r.stdout, "[1 32 7 7]") {
		t.Errorf("resnet summary:\n%s", r.stdout)
	}
}

func TestInfoCommand(t *testing.T) {
	r := mustRun(t, "info")
	want := []string{"Ember:", runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH, "CPU features:", "Threads:", "Devices:      cpu", "Best device:"}
	if err := ember.Available(ember.CUDA); err != nil {
		want = append(want, "CUDA:         unavailable: "+err.Error())
	}
	for _, w := range want {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("info lacks %q:\n%s", w, r.stdout)
		}
	}
	if runtime.GOARCH == "amd64" && cpuFeatures() == nil {
		t.Log("no SIMD features detected on this amd64 CPU")
	}
}

func TestTrainText(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := 0; i < 120; i++ {
		fmt.Fprintf(&b, "func f%d(x int) int { return x + %d }\n", i%7, i%5)
	}
	file := filepath.Join(dir, "code.go.txt")
	os.WriteFile(file, []byte(b.String()), 0o644)
	out := filepath.Join(dir, "out")
	r := mustRun(t, "train", "--dataset", "text:"+file, "--layers", "1", "--heads", "2", "--embd", "16", "--context", "16",
		"--batch", "16", "--epochs", "2", "--lr", "0.01", "--out", out, "--quiet")
	ppl := lastValue(t, r.stdout, "test_perplexity")
	loss := lineValue(t, r.stdout, "test_loss")
	if ppl <= 1 || ppl > 40 {
		t.Errorf("perplexity %v after two epochs on a repetitive text (256 without learning)", ppl)
	}
	if d := ppl - mathExp(loss); d > 1e-3*ppl || d < -1e-3*ppl {
		t.Errorf("perplexity %v is not exp(loss %v)", ppl, loss)
	}
	if !strings.Contains(r.stdout, "sample:") {
		t.Errorf("no generated sample:\n%s", r.stdout)
	}
	e := mustRun(t, "eval", "--model-file", filepath.Join(out, "model.safetensors"))
	if got := lastValue(t, e.stdout, "test_perplexity"); got != ppl {
		t.Errorf("eval perplexity %v, training said %v", got, ppl)
	}
	p := cli{t: t}.run(context.Background(), "predict", "--model-file", filepath.Join(out, "model.safetensors"), file)
	if p.code != exitError || !strings.Contains(p.stderr, "language-model model; predict classifies images") {
		t.Errorf("predict with a text model: exit %d %s", p.code, p.stderr)
	}
}

func TestTrainCSV(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("x1,x2,colour,kind\n")
	for i := 0; i < 200; i++ {
		// Two well separated classes.
		x1, x2 := float64(i%10)*0.1, float64(i%7)*0.1
		kind, colour := "small", "red"
		if i%2 == 1 {
			x1, x2, kind, colour = x1+5, x2+5, "large", "blue"
		}
		fmt.Fprintf(&b, "%.2f,%.2f,%s,%s\n", x1, x2, colour, kind)
	}
	file := filepath.Join(dir, "table.csv")
	os.WriteFile(file, []byte(b.String()), 0o644)
	out := filepath.Join(dir, "out")
	r := mustRun(t, "train", "--dataset", "csv:"+file, "--epochs", "3", "--batch", "16", "--out", out, "--quiet")
	if acc := lastValue(t, r.stdout, "test_accuracy"); acc < 0.99 {
		t.Errorf("accuracy %v on separable classes", acc)
	}
	e := mustRun(t, "eval", "--model-file", filepath.Join(out, "model.safetensors"), "--dataset", "csv:"+file)
	if acc := lastValue(t, e.stdout, "test_accuracy"); acc < 0.99 || !strings.Contains(e.stdout, "200 test examples") {
		t.Errorf("eval on the whole table: %v\n%s", acc, e.stdout)
	}
	// A numeric label trains a regressor.
	r = mustRun(t, "train", "--dataset", "csv:"+file, "--label", "x2", "--epochs", "1", "--out", filepath.Join(dir, "reg"), "--quiet")
	if loss := lastValue(t, r.stdout, "test_loss"); loss < 0 {
		t.Errorf("regression loss %v", loss)
	}
}
