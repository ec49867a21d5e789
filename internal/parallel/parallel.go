// Package parallel is Ember's CPU worker pool: a fixed set of goroutines,
// started once, that split loops across cores with no goroutine per call.
//
// The caller of For or Do always takes part in the work itself and never waits
// for a worker to become free: chunks are claimed through an atomic counter, so
// when every worker is busy (or For is called from inside another For) the
// caller simply runs the remaining chunks on its own. This makes nested and
// concurrent use deadlock-free.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// job is one call of For or Do, shared by the caller and the workers that
// picked it up.
type job struct {
	pending atomic.Int32 // chunks not yet finished
	f       func(lo, hi int)
	n       int
	chunk   int
	nchunks int
	next    atomic.Int64
	wg      sync.WaitGroup
	mu      sync.Mutex
	panicV  any
	panicky atomic.Bool
}

// work claims and runs chunks until none are left.
func (j *job) work() {
	for {
		c := int(j.next.Add(1) - 1)
		if c >= j.nchunks {
			return
		}
		j.runChunk(c)
	}
}

func (j *job) runChunk(c int) {
	defer j.wg.Done()
	defer j.pending.Add(-1)
	defer func() {
		if r := recover(); r != nil {
			j.mu.Lock()
			if j.panicV == nil {
				j.panicV = r
			}
			j.mu.Unlock()
			j.panicky.Store(true)
		}
	}()
	lo := c * j.chunk
	hi := min(lo+j.chunk, j.n)
	j.f(lo, hi)
}

type pool struct {
	workers int
	jobs    chan *job
}

var (
	mu      sync.Mutex
	current atomic.Pointer[pool]
)

func init() { SetWorkers(runtime.GOMAXPROCS(0)) }

// SetWorkers sets how many goroutines (the caller included) share the work of
// one call; n < 1 means GOMAXPROCS. Calls already running finish with the old
// pool. It returns the previous setting.
func SetWorkers(n int) int {
	if n < 1 {
		n = runtime.GOMAXPROCS(0)
	}
	mu.Lock()
	defer mu.Unlock()
	old := current.Load()
	p := &pool{workers: n, jobs: make(chan *job, n)}
	for i := 0; i < n-1; i++ {
		go worker(p.jobs)
	}
	current.Store(p)
	if old != nil {
		close(old.jobs)
		return old.workers
	}
	return 0
}

// Workers returns the number of goroutines that share one call's work.
func Workers() int { return current.Load().workers }

// spin is how long a worker polls for the next job after finishing one, and
// how long a caller polls for helpers to finish, before parking. Waking a
// parked goroutine costs tens of microseconds, more than the back-to-back
// fork-joins of a matrix product leave between them; polling briefly lets
// such sequences hand work over without a wake-up, at the price of at most
// spin of otherwise idle CPU per fork-join. A training step's ops leave gaps
// of tens of microseconds between their fork-joins (autograd bookkeeping,
// small serial ops): with 30 µs, one job in six of a char-GPT step started
// with its helper parked and ran on the caller alone; 200 µs cut that to one
// in twenty-five and raised char-GPT training 20–40% (like OpenMP, whose
// threads spin a similar while before sleeping).
const spin = 200 * time.Microsecond

func worker(jobs <-chan *job) {
	for {
		j, ok := poll(jobs)
		if !ok {
			return
		}
		j.work()
	}
}

// poll receives the next job, spinning for a while before blocking.
func poll(jobs <-chan *job) (*job, bool) {
	var deadline time.Time
	for i := 0; ; i++ {
		select {
		case j, ok := <-jobs:
			return j, ok
		default:
		}
		if i&31 == 31 {
			now := time.Now()
			if deadline.IsZero() {
				deadline = now.Add(spin)
			} else if now.After(deadline) {
				j, ok := <-jobs
				return j, ok
			}
			runtime.Gosched()
		}
	}
}

// For runs f over [0, n) split into at most Workers() contiguous chunks of at
// least grain items each, and returns when all are done. With one chunk, f runs
// on the calling goroutine and nothing is shared. A panic in f is re-raised on
// the caller.
func For(n, grain int, f func(lo, hi int)) {
	if n <= 0 {
		return
	}
	p := current.Load()
	if grain < 1 {
		grain = 1
	}
	chunks := min(p.workers, n/grain)
	if chunks <= 1 {
		f(0, n)
		return
	}
	chunk := (n + chunks - 1) / chunks
	run(p, f, n, chunk)
}

// Do runs task(i) for every i in [0, k), spread across the pool, each task a
// unit of work claimed dynamically (use it when tasks differ in cost).
func Do(k int, task func(i int)) {
	if k <= 0 {
		return
	}
	p := current.Load()
	if k == 1 || p.workers == 1 {
		for i := 0; i < k; i++ {
			task(i)
		}
		return
	}
	run(p, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			task(i)
		}
	}, k, 1)
}

func run(p *pool, f func(lo, hi int), n, chunk int) {
	j := &job{f: f, n: n, chunk: chunk}
	j.nchunks = (n + chunk - 1) / chunk
	j.pending.Store(int32(j.nchunks))
	j.wg.Add(j.nchunks)
	helpers := min(p.workers-1, j.nchunks-1)
	func() {
		defer func() { recover() }() // the pool may have been replaced and closed
		for i := 0; i < helpers; i++ {
			select {
			case p.jobs <- j:
			default: // every worker is busy: the caller does more itself
				i = helpers
			}
		}
	}()
	j.work()
	// Poll for the helpers' chunks before parking on the wait group.
	var deadline time.Time
	for i := 0; j.pending.Load() > 0; i++ {
		if i&31 == 31 {
			now := time.Now()
			if deadline.IsZero() {
				deadline = now.Add(spin)
			} else if now.After(deadline) {
				break
			}
			runtime.Gosched()
		}
	}
	j.wg.Wait()
	if j.panicky.Load() {
		panic(j.panicV) // re-raised as is, so typed panics keep their type
	}
}
