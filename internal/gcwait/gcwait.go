// Package gcwait runs a garbage collection and waits for the cleanups
// (runtime.AddCleanup) it queued: the way Ember's backends get back the
// buffers of tensors that became unreachable before they act on their
// caches.
package gcwait

import (
	"runtime"
	"runtime/metrics"
	"time"
)

// Collect runs a collection and waits, up to timeout, until the cleanups
// queued by then have run. It reports whether they all ran in time.
func Collect(timeout time.Duration) bool {
	runtime.GC()
	samples := []metrics.Sample{{Name: "/gc/cleanups/queued:cleanups"}, {Name: "/gc/cleanups/executed:cleanups"}}
	metrics.Read(samples)
	if samples[0].Value.Kind() != metrics.KindUint64 {
		runtime.Gosched()
		return false
	}
	queued := samples[0].Value.Uint64()
	deadline := time.Now().Add(timeout)
	for {
		metrics.Read(samples)
		if samples[1].Value.Uint64() >= queued {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Microsecond)
	}
}
