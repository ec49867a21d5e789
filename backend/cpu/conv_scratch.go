package cpu

import "sync"

// convScratch is working memory of the convolution and pooling kernels,
// kept in a sync.Pool so that a warm call allocates nothing: shifted image
// planes, packed weights, im2col matrices, partial weight gradients.
type convScratch[T float] struct{ s []T }

var (
	convScratchF32 = sync.Pool{New: func() any { return new(convScratch[float32]) }}
	convScratchF64 = sync.Pool{New: func() any { return new(convScratch[float64]) }}
)

// getScratch returns pooled scratch of at least n elements (its contents
// are unspecified); give it back with putScratch.
func getScratch[T float](n int) *convScratch[T] {
	var zero T
	var s *convScratch[T]
	if _, ok := any(zero).(float32); ok {
		s = convScratchF32.Get().(*convScratch[T])
	} else {
		s = convScratchF64.Get().(*convScratch[T])
	}
	if cap(s.s) < n {
		// Grow with headroom so that slightly larger calls reuse it.
		s.s = make([]T, n, n+n/4)
	}
	s.s = s.s[:n]
	return s
}

// putScratch returns scratch to the pool.
func putScratch[T float](s *convScratch[T]) {
	var zero T
	if _, ok := any(zero).(float32); ok {
		convScratchF32.Put(s)
	} else {
		convScratchF64.Put(s)
	}
}
