package jit

import (
	"errors"
	"sync"
)

var errDropped = errors.New("jit: the device's modules were dropped")

// Modules keeps one loaded module per device and image, so that an image
// is loaded into each device's context once. M is the module handle type
// (driver.Module for the real backend). It is safe for concurrent use.
type Modules[M any] struct {
	load func(device int, img *Image) (M, error)

	mu sync.Mutex
	m  map[moduleKey]*moduleEntry[M]
}

type moduleKey struct {
	device int
	key    string
}

type moduleEntry[M any] struct {
	once sync.Once
	mod  M
	err  error
}

// NewModules returns a module cache that loads images with load.
func NewModules[M any](load func(device int, img *Image) (M, error)) *Modules[M] {
	return &Modules[M]{load: load, m: map[moduleKey]*moduleEntry[M]{}}
}

// Get returns img's module on device, loading it on first use. A failed
// load is remembered: loading the same image again would fail the same way.
func (ms *Modules[M]) Get(device int, img *Image) (M, error) {
	k := moduleKey{device, img.Key}
	ms.mu.Lock()
	e, ok := ms.m[k]
	if !ok {
		e = &moduleEntry[M]{}
		ms.m[k] = e
	}
	ms.mu.Unlock()
	e.once.Do(func() { e.mod, e.err = ms.load(device, img) })
	return e.mod, e.err
}

// Drop forgets every module of device (after its context is gone) and
// returns the ones that loaded, for unloading.
func (ms *Modules[M]) Drop(device int) []M {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	var out []M
	for k, e := range ms.m {
		if k.device != device {
			continue
		}
		delete(ms.m, k)
		// Wait for a load in flight; one not started yet will not load.
		e.once.Do(func() { e.err = errDropped })
		if e.err == nil {
			out = append(out, e.mod)
		}
	}
	return out
}
