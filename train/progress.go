package train

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress reports one epoch: a bar on a terminal, or a few log lines.
type progress struct {
	bar      *progressbar.ProgressBar
	log      *slog.Logger
	epoch    int
	epochs   int
	total    int // samples in the epoch
	done     int
	start    time.Time
	lastLog  time.Time
	interval time.Duration
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func newProgress(out io.Writer, log *slog.Logger, epoch, epochs, total int, quiet bool) *progress {
	p := &progress{log: log, epoch: epoch, epochs: epochs, total: total, start: time.Now(), lastLog: time.Now(), interval: 10 * time.Second}
	if quiet {
		return p
	}
	if out != nil && isTerminal(out) {
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(out),
			progressbar.OptionSetDescription(fmt.Sprintf("epoch %d/%d", epoch, epochs)),
			progressbar.OptionShowCount(),
			progressbar.OptionSetItsString("samples"),
			progressbar.OptionShowIts(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	return p
}

// formatLogs renders metrics as "loss=0.4123 accuracy=0.8531".
func formatLogs(logs map[string]float64) string {
	keys := make([]string, 0, len(logs))
	for k := range logs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		// loss first, then validation keys after training keys.
		ri, rj := rank(keys[i]), rank(keys[j])
		if ri != rj {
			return ri < rj
		}
		return keys[i] < keys[j]
	})
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%.4g", k, logs[k])
	}
	return b.String()
}

func rank(k string) int {
	switch {
	case k == "loss":
		return 0
	case strings.HasPrefix(k, "val_loss"):
		return 2
	case strings.HasPrefix(k, "val_"):
		return 3
	}
	return 1
}

// step advances by n samples with the running metrics.
func (p *progress) step(n int, running map[string]float64) {
	p.done += n
	if p.bar != nil {
		p.bar.Describe(fmt.Sprintf("epoch %d/%d %s", p.epoch, p.epochs, formatLogs(running)))
		_ = p.bar.Add(n)
		return
	}
	if p.log != nil && time.Since(p.lastLog) >= p.interval {
		p.lastLog = time.Now()
		el := time.Since(p.start).Seconds()
		rate := float64(p.done) / max(el, 1e-9)
		eta := time.Duration(float64(p.total-p.done)/max(rate, 1e-9)) * time.Second
		p.log.Info("training", "epoch", p.epoch, "samples", fmt.Sprintf("%d/%d", p.done, p.total),
			"samples_per_s", int(rate), "eta", eta.Round(time.Second), "metrics", formatLogs(running))
	}
}

// finish closes the bar.
func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
