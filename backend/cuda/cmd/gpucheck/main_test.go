package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/emberdl/ember/backend/cuda"
)

// TestBatteryOnTheEmulator runs the whole command on the kernel emulator
// with small sizes: every check must pass, and the table and the
// benchmark lines must be there.
func TestBatteryOnTheEmulator(t *testing.T) {
	t.Setenv(cuda.EmulatorEnv, "1")
	var out bytes.Buffer
	code := run([]string{"-quick", "-gemm", "16", "-iters", "1"}, &out)
	text := out.String()
	if code != 0 {
		t.Fatalf("exit status %d:\n%s", code, text)
	}
	for _, want := range []string{"matmul batched, y transposed", "softmax fwd+bwd", "gemm bfloat16", "host to device", "all checks passed"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	rows := 0
	for _, l := range strings.Split(text, "\n") {
		if strings.HasSuffix(l, "  ok") {
			rows++
		}
	}
	if want := len(battery(batterySizes(true))); rows != want {
		t.Errorf("%d passing rows, want %d:\n%s", rows, want, text)
	}
}

func TestBadFlags(t *testing.T) {
	var out bytes.Buffer
	for _, args := range [][]string{{"-gemm", "0"}, {"-gemm", "x"}, {"-iters", "0"}, {"-nope"}} {
		if code := run(args, &out); code != 2 {
			t.Errorf("%v: exit status %d, want 2", args, code)
		}
	}
}

// TestGPT2ShapesOnTheEmulator runs -gpt2 with tiny sizes: it must time
// every shape and stop before the battery.
func TestGPT2ShapesOnTheEmulator(t *testing.T) {
	t.Setenv(cuda.EmulatorEnv, "1")
	var out bytes.Buffer
	code := run([]string{"-gpt2", "-quick", "-iters", "1"}, &out)
	text := out.String()
	if code != 0 {
		t.Fatalf("exit status %d:\n%s", code, text)
	}
	for _, want := range []string{"gemm bf16 x·Wᵀ M×N×K 64×96×32", "gemm bf16 x·Wᵀ M×N×K 64×32×32", "cast bf16→f32", "copy bf16 heads", "add bf16 bias", "gelu f32", "fill f32",
		"layer norm f32", "layer norm backward", "sum over rows bf16", "cross-entropy bf16", "cross-entropy backward"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "all checks passed") {
		t.Errorf("-gpt2 ran the battery too:\n%s", text)
	}
}
