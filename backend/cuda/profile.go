package cuda

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/emberdl/ember/backend/cuda/blas"
	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/backend/cuda/kernels"
)

// ProfileEntry is the device time of one kind of work in a profile: a
// kernel (its template instantiation), a GEMM shape, or a device copy.
type ProfileEntry struct {
	Name  string
	Calls int
	Time  time.Duration // on the device, between events around each call
	Max   time.Duration // the longest call
}

// profiler times the work the backend queues on its compute stream while
// it is on: each kernel launch, GEMM, device copy and memset sits between
// two timing events, whose elapsed time is summed by name once they have
// passed. It costs two event records per call.
type profiler struct {
	on atomic.Bool

	mu      sync.Mutex
	names   map[driver.Function]string
	pool    []driver.Event
	pending []profRecord
	totals  map[string]*ProfileEntry
	err     error
}

type profRecord struct {
	name       string
	start, end driver.Event
}

// profileResolveAt is how many records wait before the passed ones are
// summed (bounding the events in flight).
const profileResolveAt = 4096

// SetProfiling turns the device-time profile of this device on or off;
// Profile and WriteProfile report it. Profiling records two events around
// every kernel, GEMM and copy, which slows a program launch-bound on small
// tensors a little, and changes no result.
func (b *Backend) SetProfiling(on bool) { b.prof.on.Store(on) }

// Profiling reports whether the profile is being recorded.
func (b *Backend) Profiling() bool { return b.prof.on.Load() }

// ResetProfile clears the profile.
func (b *Backend) ResetProfile() {
	b.withResolvedProfile("ResetProfile", func(p *profiler) { p.totals, p.err = nil, nil })
}

// Profile waits for the device and returns the profile so far, the most
// time first.
func (b *Backend) Profile() ([]ProfileEntry, error) {
	var out []ProfileEntry
	var err error
	b.withResolvedProfile("Profile", func(p *profiler) {
		for _, e := range p.totals {
			out = append(out, *e)
		}
		err = p.err
	})
	slices.SortFunc(out, func(x, y ProfileEntry) int {
		return cmp.Or(cmp.Compare(y.Time, x.Time), cmp.Compare(x.Name, y.Name))
	})
	return out, err
}

// withResolvedProfile waits for the device, sums every pending record and
// calls f with the profiler locked.
func (b *Backend) withResolvedProfile(op string, f func(p *profiler)) {
	b.Synchronize()
	b.bind(op)
	defer b.g.unbind()
	p := &b.prof
	p.mu.Lock()
	defer p.mu.Unlock()
	p.resolve(b.g, true)
	f(p)
}

// WriteProfile writes the profile as a table: device time, its share,
// calls and time per call of each kernel, GEMM shape and copy, the most
// time first.
func (b *Backend) WriteProfile(w io.Writer) error {
	entries, err := b.Profile()
	if err != nil {
		return err
	}
	var total time.Duration
	for _, e := range entries {
		total += e.Time
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "device time\tshare\tcalls\tper call\tlongest\t  %s: what\n", b.name)
	for _, e := range entries {
		share := 0.0
		if total > 0 {
			share = 100 * float64(e.Time) / float64(total)
		}
		fmt.Fprintf(tw, "%v\t%.1f%%\t%d\t%v\t%v\t  %s\n", e.Time.Round(time.Microsecond), share, e.Calls,
			(e.Time / time.Duration(max(e.Calls, 1))).Round(100*time.Nanosecond), e.Max.Round(100*time.Nanosecond), e.Name)
	}
	fmt.Fprintf(tw, "%v\t100%%\t\t\t\t  total\n", total.Round(time.Microsecond))
	return tw.Flush()
}

// fn returns kernel k's function, noting its name for the profile.
func (b *Backend) fn(k kernels.Kernel) (driver.Function, error) {
	f, err := b.g.function(k)
	if err == nil && b.prof.on.Load() {
		b.prof.mu.Lock()
		if b.prof.names == nil {
			b.prof.names = map[driver.Function]string{}
		}
		if _, ok := b.prof.names[f]; !ok {
			b.prof.names[f] = k.Expr
		}
		b.prof.mu.Unlock()
	}
	return f, err
}

// run launches f on the compute stream (timed when profiling).
func (b *Backend) run(f driver.Function, l kernels.Launch, a *driver.Args) error {
	if !b.prof.on.Load() {
		return b.g.launch(f, l, 0, b.compute, a)
	}
	b.prof.mu.Lock()
	name, ok := b.prof.names[f]
	b.prof.mu.Unlock()
	if !ok {
		name = fmt.Sprintf("kernel %d", f)
	}
	return b.timed(name, func() error { return b.g.launch(f, l, 0, b.compute, a) })
}

// gemmRun queues a GEMM on the compute stream (timed when profiling).
func (b *Backend) gemmRun(g blas.Gemm, alpha, beta float64, x, y, c driver.DevicePtr) error {
	return b.gemmBiasRun(g, alpha, beta, x, y, c, 0)
}

// gemmBiasRun is gemmRun adding bias (when nonzero) to every row of c.
func (b *Backend) gemmBiasRun(g blas.Gemm, alpha, beta float64, x, y, c, bias driver.DevicePtr) error {
	if !b.prof.on.Load() {
		return b.g.gemm(g, alpha, beta, x, y, c, bias, b.compute)
	}
	name := fmt.Sprintf("gemm %v M×N×K %d×%d×%d", g.AType, g.M, g.N, g.K)
	if g.Batch > 1 {
		name += fmt.Sprintf(" batch %d", g.Batch)
	}
	op := func(t bool) string {
		if t {
			return "T"
		}
		return "N"
	}
	name += " " + op(g.TransA) + op(g.TransB)
	if bias != 0 {
		name += " +bias"
	}
	return b.timed(name, func() error { return b.g.gemm(g, alpha, beta, x, y, c, bias, b.compute) })
}

// timedIf runs queue, timed when profiling.
func (b *Backend) timedIf(name string, queue func() error) error {
	if !b.prof.on.Load() {
		return queue()
	}
	return b.timed(name, queue)
}

// timed runs queue, which queues work on the compute stream, between two
// timing events.
func (b *Backend) timed(name string, queue func() error) error {
	p := &b.prof
	start, err1 := p.event(b.g)
	end, err2 := p.event(b.g)
	if err := cmp.Or(err1, err2); err != nil {
		p.fail(err)
		return queue()
	}
	if err := b.g.recordEvent(start, b.compute); err != nil {
		p.fail(err)
	}
	qerr := queue()
	if err := b.g.recordEvent(end, b.compute); err != nil {
		p.fail(err)
	}
	p.mu.Lock()
	p.pending = append(p.pending, profRecord{name, start, end})
	if len(p.pending) >= profileResolveAt {
		p.resolve(b.g, false)
	}
	p.mu.Unlock()
	return qerr
}

// event returns a timing event from the pool or a new one.
func (p *profiler) event(g gpu) (driver.Event, error) {
	p.mu.Lock()
	if n := len(p.pool); n > 0 {
		e := p.pool[n-1]
		p.pool = p.pool[:n-1]
		p.mu.Unlock()
		return e, nil
	}
	p.mu.Unlock()
	return g.newTimingEvent()
}

func (p *profiler) fail(err error) {
	p.mu.Lock()
	if p.err == nil {
		p.err = fmt.Errorf("cuda: profile: %w", err)
	}
	p.mu.Unlock()
}

// resolve sums the records whose end event has passed (all of them with
// all: the device was synchronized) and returns their events to the pool.
// Locked.
func (p *profiler) resolve(g gpu, all bool) {
	keep := p.pending[:0]
	for _, r := range p.pending {
		if !all {
			if done, err := g.eventDone(r.end); err != nil || !done {
				keep = append(keep, r)
				continue
			}
		}
		d, err := g.elapsed(r.start, r.end)
		if err != nil {
			if p.err == nil {
				p.err = fmt.Errorf("cuda: profile: %w", err)
			}
		} else {
			if p.totals == nil {
				p.totals = map[string]*ProfileEntry{}
			}
			e := p.totals[r.name]
			if e == nil {
				e = &ProfileEntry{Name: r.name}
				p.totals[r.name] = e
			}
			e.Calls++
			e.Time += d
			e.Max = max(e.Max, d)
		}
		p.pool = append(p.pool, r.start, r.end)
	}
	p.pending = keep
}
