package ember

import (
	"testing"

	"github.com/emberdl/ember/backend/cpu"
)

func TestEmptyCacheDropsPooledBlocks(t *testing.T) {
	keep := Full([]int{1 << 16}, 2)
	for range 4 {
		x := Ones([]int{1 << 18})
		x.Free() // back to the pool
	}
	if cpu.Stats().FreeBytes == 0 {
		t.Fatal("no free blocks in the pool before EmptyCache: the test is blind")
	}
	if err := EmptyCache(); err != nil {
		t.Fatal(err)
	}
	if got := cpu.Stats().FreeBytes; got != 0 {
		t.Fatalf("%d bytes still free in the pool after EmptyCache", got)
	}
	if got := keep.Sum().Item(); got != 2<<16 {
		t.Fatalf("a live tensor changed: sum %v", got)
	}
}
