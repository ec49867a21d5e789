package main

import (
	"bytes"
	"context"
	"math"
	"strconv"
	"strings"
	"testing"
)

// cli runs one ember command line in-process.
type cli struct {
	t         *testing.T
	afterStep func(epoch, batch int)
}

type result struct {
	code           int
	stdout, stderr string
}

func (c cli) run(ctx context.Context, args ...string) result {
	c.t.Helper()
	var out, errb bytes.Buffer
	a := &app{stdout: &out, stderr: &errb, afterStep: c.afterStep}
	code := a.run(ctx, args)
	return result{code, out.String(), errb.String()}
}

// mustRun runs args and fails the test unless it succeeds.
func mustRun(t *testing.T, args ...string) result {
	t.Helper()
	r := cli{t: t}.run(context.Background(), args...)
	if r.code != 0 {
		t.Fatalf("ember %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// lastValue parses the last line "key=value" of out.
func lastValue(t *testing.T, out, key string) float64 {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := lines[len(lines)-1]
	v, ok := strings.CutPrefix(last, key+"=")
	if !ok {
		t.Fatalf("last line %q is not %s=...", last, key)
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// lineValue finds "key=value" on any line.
func lineValue(t *testing.T, out, key string) float64 {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(l, key+"="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	t.Fatalf("no %s= line in\n%s", key, out)
	return 0
}

func mathExp(x float64) float64 { return math.Exp(x) }
