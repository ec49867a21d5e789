package alloc

// Stats are an allocator's counters. Sizes are bytes.
type Stats struct {
	// Allocated is the total size of blocks in use (rounded sizes);
	// Requested the total of the sizes asked for.
	Allocated, Requested uint64
	// Reserved is the total size of segments held from the driver.
	Reserved uint64
	// Peaks of Allocated and Reserved.
	PeakAllocated, PeakReserved uint64
	// Segments currently held, and released back to the driver so far.
	Segments, SegmentsReleased int
	// Allocs and Frees count calls; CacheHits counts allocations served
	// without the driver.
	Allocs, Frees, CacheHits int
	// OOMHooks counts OnOOM calls; OOMs counts failed allocations;
	// Collections counts OnCollect calls.
	OOMHooks, OOMs, Collections int
}

// Stats returns a snapshot of the counters.
func (a *Allocator) Stats() Stats {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.stats
}

// ResetPeaks sets the peaks to the current values.
func (a *Allocator) ResetPeaks() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.stats.PeakAllocated, a.stats.PeakReserved = a.stats.Allocated, a.stats.Reserved
}
