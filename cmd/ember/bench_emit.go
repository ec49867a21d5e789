package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/emberdl/ember/internal/parallel"
)

// field is one key of a JSON object whose key order matters (the lines
// match the Python scripts' dicts key for key).
type field struct {
	Key   string
	Value any
}

// object is a JSON object with ordered keys.
type object []field

// with returns a copy of o with key set: replaced in place when present,
// appended otherwise (as Python's dict(cfg, key=value)).
func (o object) with(kv ...field) object {
	out := append(object(nil), o...)
	for _, f := range kv {
		found := false
		for i := range out {
			if out[i].Key == f.Key {
				out[i].Value, found = f.Value, true
			}
		}
		if !found {
			out = append(out, f)
		}
	}
	return out
}

// MarshalJSON writes the keys in order with Python's json.dumps
// separators (", " and ": "); floats are rounded to 5 decimals as the
// scripts' emit() does, and non-finite ones become null.
func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	if err := writeJSON(&b, o); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeJSON encodes v as json.dumps would print it.
func writeJSON(b *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case object:
		b.WriteByte('{')
		for i, f := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			k, _ := json.Marshal(f.Key)
			b.Write(k)
			b.WriteString(": ")
			if err := writeJSON(b, f.Value); err != nil {
				return fmt.Errorf("field %s: %w", f.Key, err)
			}
		}
		b.WriteByte('}')
		return nil
	case []float64:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			if err := writeJSON(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
		return nil
	}
	raw, err := json.Marshal(round5(v))
	if err != nil {
		return err
	}
	b.Write(raw)
	return nil
}

func round5(v any) any {
	x, ok := v.(float64)
	if !ok {
		return v
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', 5, 64), 64)
	if r == 0 && x != 0 {
		return x // keep tiny values rather than printing 0
	}
	return r
}

// emitter prints measurements as the scripts' emit() does: one JSON line
// {"name", "config", "metric", "value", "unit", extras..., "load1",
// "others_cpus", "framework", "device", "threads"}, or a readable line.
type emitter struct {
	w      io.Writer
	json   bool
	device string
	mark   cpuMark
}

// cpuMark is the start of a measurement interval for "others_cpus".
type cpuMark struct {
	wall      time.Time
	busy, own float64
	ok        bool
}

// clkTck is USER_HZ, the unit of /proc/stat (100 on every Linux port Go
// supports).
const clkTck = 100

func takeMark() cpuMark {
	m := cpuMark{wall: time.Now()}
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return m
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return m
	}
	var v [8]float64
	for i := range v {
		v[i], _ = strconv.ParseFloat(f[i+1], 64)
	}
	m.busy = (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / clkTck
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		m.own = float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
	}
	m.ok = true
	return m
}

// markStart starts a measurement interval.
func (e *emitter) markStart() { e.mark = takeMark() }

// othersCPUs is the mean number of CPUs busy with other processes since
// the mark (-1 when /proc is unavailable).
func (e *emitter) othersCPUs() float64 {
	now := takeMark()
	if !now.ok || !e.mark.ok {
		return -1
	}
	wall := now.wall.Sub(e.mark.wall).Seconds()
	if wall <= 0 {
		return 0
	}
	return math.Max(0, (now.busy-e.mark.busy-(now.own-e.mark.own))/wall)
}

func load1() float64 {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(raw))
	if len(f) == 0 {
		return -1
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// emit prints one measurement; value nil means "not reached".
func (e *emitter) emit(name string, config object, metric string, value any, unit string, extra ...field) error {
	rec := object{{"name", name}, {"config", config}, {"metric", metric}, {"value", value}, {"unit", unit}}
	rec = append(rec, extra...)
	oc := e.othersCPUs()
	rec = append(rec, field{"load1", load1()}, field{"others_cpus", math.Round(oc*100) / 100},
		field{"framework", "ember"}, field{"device", e.device}, field{"threads", parallel.Workers()})
	if !e.json {
		return e.human(name, config, metric, value, unit)
	}
	b, err := rec.MarshalJSON()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.w, "%s\n", b)
	return err
}

func (e *emitter) human(name string, config object, metric string, value any, unit string) error {
	var parts []string
	for _, f := range config {
		switch f.Key {
		case "corpus_sha256", "corpus_files", "corpus_bytes", "params", "seed", "optimizer", "lr":
			continue
		}
		parts = append(parts, fmt.Sprintf("%s=%v", f.Key, f.Value))
	}
	val := "n/a"
	switch v := value.(type) {
	case float64:
		val = strconv.FormatFloat(v, 'g', 5, 64)
	case nil:
	default:
		val = fmt.Sprint(v)
	}
	_, err := fmt.Fprintf(e.w, "%-26s %-18s %12s %-10s %s\n", name, metric, val, unit, strings.Join(parts, " "))
	return err
}

// timeFn returns seconds per call of fn, as common.py's time_fn: warmup
// calls, then a repeat count doubled until one sample lasts minTime, then
// samples samples of that many calls.
func timeFn(e *emitter, fn func(), t timing) []float64 {
	e.markStart()
	for range t.Warmup {
		fn()
	}
	n := 1
	for {
		t0 := time.Now()
		for range n {
			fn()
		}
		if time.Since(t0).Seconds() >= t.MinTime {
			break
		}
		n *= 2
	}
	out := make([]float64, t.Samples)
	for i := range out {
		t0 := time.Now()
		for range n {
			fn()
		}
		out[i] = time.Since(t0).Seconds() / float64(n)
	}
	return out
}

// rateStats returns work per second for the median, slowest and fastest
// samples (common.py's rate_stats).
func rateStats(work float64, times []float64) (med, lo, hi float64) {
	s := append([]float64(nil), times...)
	sort.Float64s(s)
	return work / median(s), work / s[len(s)-1], work / s[0]
}

// median of sorted values (the mean of the middle two for an even count,
// as Python's statistics.median).
func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// procStatusMiB reads a memory figure (VmHWM, VmRSS) of this process in
// MiB, NaN where unavailable; Go's heap settles with the GC, so the peak
// is what the OS saw.
func procStatusMiB(key string) float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return math.NaN()
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, key+":"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, _ := strconv.ParseFloat(f[0], 64)
				return kb / 1024
			}
		}
	}
	return math.NaN()
}
