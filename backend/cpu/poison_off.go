//go:build !emberpoison

package cpu

// poisoning reports whether Alloc fills buffers with garbage (build tag
// emberpoison), to catch code that reads memory it did not write.
const poisoning = false

func poisonBuffer(*Buffer) {}
