package gcwait

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

func TestCollectWaitsForCleanups(t *testing.T) {
	var ran atomic.Int32
	for range 100 {
		p := new([64]byte)
		runtime.AddCleanup(p, func(int) { ran.Add(1) }, 0)
	}
	if !Collect(5 * time.Second) {
		t.Fatal("cleanups did not run within 5 s")
	}
	if got := ran.Load(); got != 100 {
		t.Fatalf("%d of 100 cleanups ran before Collect returned", got)
	}
}
