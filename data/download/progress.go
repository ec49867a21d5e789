package download

import (
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Progress chooses how a download reports its progress.
type Progress int

// The progress modes.
const (
	ProgressAuto Progress = iota // a bar when Output is a terminal, log lines otherwise
	ProgressBar                  // always a bar on Output
	ProgressLog                  // log/slog lines through Logger
	ProgressOff                  // nothing
)

// logEvery is the interval between progress log lines.
const logEvery = 10 * time.Second

// meter receives the bytes of one attempt and shows how far it is.
type meter interface {
	io.Writer
	finish()
}

// newMeter returns the meter for an attempt that starts at byte done of a
// file of total bytes (-1 when unknown).
func (d *Downloader) newMeter(url, name string, done, total int64) meter {
	mode := d.Progress
	out := d.output()
	if mode == ProgressAuto {
		mode = ProgressLog
		if f, ok := out.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			mode = ProgressBar
		}
	}
	switch mode {
	case ProgressBar:
		bar := progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(out),
			progressbar.OptionSetDescription(name),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionShowCount(),
			progressbar.OptionOnCompletion(func() { io.WriteString(out, "\n") }),
		)
		bar.Set64(done)
		return &barMeter{bar: bar}
	case ProgressLog:
		m := &logMeter{log: d.logger(), url: url, done: done, total: total, last: time.Now()}
		m.log.Info("download started", "url", url, "from_byte", done, "total_bytes", total)
		return m
	}
	return offMeter{}
}

func (d *Downloader) output() io.Writer {
	if d.Output != nil {
		return d.Output
	}
	return os.Stderr
}

func (d *Downloader) logger() *slog.Logger {
	if d.Logger != nil {
		return d.Logger
	}
	return slog.Default()
}

type barMeter struct{ bar *progressbar.ProgressBar }

func (m *barMeter) Write(p []byte) (int, error) {
	m.bar.Add(len(p))
	return len(p), nil
}

func (m *barMeter) finish() { m.bar.Finish() }

type logMeter struct {
	log   *slog.Logger
	url   string
	done  int64
	total int64
	last  time.Time
}

func (m *logMeter) Write(p []byte) (int, error) {
	m.done += int64(len(p))
	if now := time.Now(); now.Sub(m.last) >= logEvery {
		m.last = now
		m.log.Info("download progress", "url", m.url, "bytes", m.done, "total_bytes", m.total, "percent", percent(m.done, m.total))
	}
	return len(p), nil
}

func (m *logMeter) finish() {
	m.log.Info("download finished", "url", m.url, "bytes", m.done)
}

func percent(done, total int64) float64 {
	if total <= 0 {
		return -1
	}
	return float64(int(1000*float64(done)/float64(total))) / 10
}

type offMeter struct{}

func (offMeter) Write(p []byte) (int, error) { return len(p), nil }
func (offMeter) finish()                     {}
