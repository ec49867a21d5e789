package alloc

import (
	"slices"

	"github.com/emberdl/ember/backend/cuda/driver"
)

// Block is a piece of device memory handed out by the allocator.
type Block struct {
	ptr       driver.DevicePtr
	size      uint64 // rounded
	requested uint64
	stream    driver.Stream
	small     bool
	seg       *segment
	prev      *Block // neighbours within the segment
	next      *Block
	free      bool
	waiting   bool            // freed, but other streams may still use it
	uses      []driver.Stream // other streams, from RecordStream
	owner     *Allocator
}

// Ptr returns the block's device address.
func (b *Block) Ptr() driver.DevicePtr { return b.ptr }

// Size returns the usable size: at least the request rounded up to 512
// bytes (a cached block too small to split is handed out whole).
func (b *Block) Size() uint64 { return b.size }

// Stream returns the stream the block belongs to.
func (b *Block) Stream() driver.Stream { return b.stream }

// segment is one driver allocation.
type segment struct {
	ptr  driver.DevicePtr
	size uint64
}

// poolKey selects a pool: blocks are cached per stream and size class.
type poolKey struct {
	stream driver.Stream
	small  bool
}

// pool holds free blocks sorted by (size, address) for best fit.
type pool struct {
	blocks []*Block
}

func blockOrder(a, b *Block) int {
	switch {
	case a.size != b.size:
		if a.size < b.size {
			return -1
		}
		return 1
	case a.ptr < b.ptr:
		return -1
	case a.ptr > b.ptr:
		return 1
	}
	return 0
}

func (p *pool) insert(b *Block) {
	i, _ := slices.BinarySearchFunc(p.blocks, b, blockOrder)
	p.blocks = slices.Insert(p.blocks, i, b)
}

func (p *pool) remove(b *Block) {
	if i, ok := slices.BinarySearchFunc(p.blocks, b, blockOrder); ok {
		p.blocks = slices.Delete(p.blocks, i, i+1)
	}
}

// bestFit removes and returns the smallest block of at least size bytes.
func (p *pool) bestFit(size uint64) *Block {
	i := p.fit(size)
	if i == len(p.blocks) {
		return nil
	}
	b := p.blocks[i]
	p.blocks = slices.Delete(p.blocks, i, i+1)
	return b
}

// hasFit reports whether the pool holds a block of at least size bytes.
func (p *pool) hasFit(size uint64) bool { return p.fit(size) < len(p.blocks) }

// fit returns the index of the smallest block of at least size bytes, or
// len(p.blocks).
func (p *pool) fit(size uint64) int {
	i, _ := slices.BinarySearchFunc(p.blocks, size, func(b *Block, s uint64) int {
		if b.size < s {
			return -1
		}
		return 1 // never equal: finds the first block >= size
	})
	return i
}
