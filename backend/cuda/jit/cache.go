package jit

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/emberdl/ember/backend/cuda/nvrtc"
	"github.com/emberdl/ember/internal/parallel"
)

// Image is a compiled module: its bytes, its target and the mangled name
// of each name expression.
type Image struct {
	Key     string
	Target  Target
	Data    []byte // CUBIN (ELF) or PTX text
	Lowered map[string]string
}

// Compiler is what the cache needs from NVRTC; tests substitute fakes.
type Compiler interface {
	// Version identifies the compiler, such as "11.8".
	Version() (string, error)
	// Compile runs one compilation.
	Compile(req nvrtc.Request) (*nvrtc.Result, error)
}

// NVRTC is the real compiler.
type NVRTC struct{}

// Version returns NVRTC's "major.minor".
func (NVRTC) Version() (string, error) {
	ma, mi, err := nvrtc.Version()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d.%d", ma, mi), nil
}

// Compile calls nvrtc.Compile.
func (NVRTC) Compile(req nvrtc.Request) (*nvrtc.Result, error) { return nvrtc.Compile(req) }

// DefaultDir is the disk cache's folder: $EMBER_CACHE_DIR, else
// os.UserCacheDir()/ember/cuda.
func DefaultDir() (string, error) {
	if d := os.Getenv("EMBER_CACHE_DIR"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("jit: no cache folder (set EMBER_CACHE_DIR): %w", err)
	}
	return filepath.Join(d, "ember", "cuda"), nil
}

// Cache compiles requests once and remembers the images. It is safe for
// concurrent use; concurrent requests for one key compile once.
type Cache struct {
	compiler Compiler
	dir      string // "" keeps images in memory only

	mu      sync.Mutex
	entries map[string]*entry

	stats struct{ memoryHits, diskHits, compiles, corrupt, writeErrors atomic.Int64 }
}

type entry struct {
	once sync.Once
	img  *Image
	err  error
}

// New returns a cache compiling with c and storing images under dir ("" for
// memory only).
func New(c Compiler, dir string) *Cache {
	return &Cache{compiler: c, dir: dir, entries: map[string]*entry{}}
}

// Stats counts where images came from.
type Stats struct {
	MemoryHits, DiskHits, Compiles int64
	// Corrupt counts disk entries that failed verification and were
	// recompiled; WriteErrors counts entries that could not be stored.
	Corrupt, WriteErrors int64
}

// Stats returns the counters so far.
func (c *Cache) Stats() Stats {
	return Stats{c.stats.memoryHits.Load(), c.stats.diskHits.Load(), c.stats.compiles.Load(),
		c.stats.corrupt.Load(), c.stats.writeErrors.Load()}
}

// Path returns where the disk entry of key for t lives:
// dir/<compiler version>/<target>/<key>.<cubin|ptx>.
func (c *Cache) Path(version string, t Target, key string) string {
	return filepath.Join(c.dir, version, t.String(), key+"."+t.Ext())
}

// Get returns the image of req for t: from memory, from disk, or compiled
// (and then stored). A failed disk write does not fail Get.
func (c *Cache) Get(req Request, t Target) (*Image, error) {
	version, err := c.compiler.Version()
	if err != nil {
		return nil, err
	}
	key := Key(version, t, req)
	c.mu.Lock()
	e, ok := c.entries[key]
	if !ok {
		e = &entry{}
		c.entries[key] = e
	}
	c.mu.Unlock()
	hit := true
	e.once.Do(func() {
		hit = false
		e.img, e.err = c.load(version, key, req, t)
	})
	if hit {
		c.stats.memoryHits.Add(1)
	}
	return e.img, e.err
}

func (c *Cache) load(version, key string, req Request, t Target) (*Image, error) {
	var path string
	if c.dir != "" {
		path = c.Path(version, t, key)
		img, err := readEntry(path, t)
		switch {
		case err == nil && img != nil && hasNames(img, req.NameExpressions):
			img.Key = key
			c.stats.diskHits.Add(1)
			return img, nil
		case err != nil && errors.Is(err, errCorrupt), err == nil && img != nil:
			c.stats.corrupt.Add(1)
		}
	}
	c.stats.compiles.Add(1)
	opts := append([]string{"--gpu-architecture=" + t.String()}, req.Options...)
	res, err := c.compiler.Compile(nvrtc.Request{Name: req.Name, Source: req.Source, Headers: req.Headers,
		NameExpressions: req.NameExpressions, Options: opts})
	if err != nil {
		return nil, err
	}
	img := &Image{Key: key, Target: t, Data: res.PTX, Lowered: res.Lowered}
	if t.CUBIN {
		img.Data = res.CUBIN
	}
	if len(img.Data) == 0 {
		return nil, fmt.Errorf("%w for %s (%s)", ErrNoImage, req.Name, t)
	}
	if path != "" {
		if err := writeEntry(path, img); err != nil {
			c.stats.writeErrors.Add(1)
		}
	}
	return img, nil
}

func hasNames(img *Image, exprs []string) bool {
	for _, e := range exprs {
		if img.Lowered[e] == "" {
			return false
		}
	}
	return true
}

// WarmUp compiles (or loads) every request for t on the CPU worker pool
// (NVRTC is safe to call concurrently) and returns the failures joined,
// each naming its request.
func (c *Cache) WarmUp(reqs []Request, t Target) error {
	errs := make([]error, len(reqs))
	parallel.Do(len(reqs), func(i int) {
		if _, err := c.Get(reqs[i], t); err != nil {
			errs[i] = fmt.Errorf("%s: %w", reqs[i].Name, err)
		}
	})
	return errors.Join(slices.DeleteFunc(errs, func(e error) bool { return e == nil })...)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
