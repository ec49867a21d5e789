package jit

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/emberdl/ember/backend/cuda/nvrtc"
)

// fakeCompiler "compiles" by echoing its inputs, so tests can check what
// reached it, and counts its calls.
type fakeCompiler struct {
	version string
	calls   atomic.Int64
	fail    error
}

func (f *fakeCompiler) Version() (string, error) { return f.version, nil }

func (f *fakeCompiler) Compile(req nvrtc.Request) (*nvrtc.Result, error) {
	f.calls.Add(1)
	if f.fail != nil {
		return nil, f.fail
	}
	res := &nvrtc.Result{PTX: []byte(fmt.Sprintf("// %v\n%s", req.Options, req.Source)), Lowered: map[string]string{}}
	for _, opt := range req.Options {
		if opt == "--gpu-architecture=sm_90" {
			res.CUBIN = append([]byte("\x7fELF"), req.Source...)
		}
	}
	for _, e := range req.NameExpressions {
		res.Lowered[e] = "_Z" + e
	}
	return res, nil
}

var baseReq = Request{
	Name: "k.cu", Source: "__global__ void k() {}", Options: []string{"-std=c++17"},
	Headers:         []nvrtc.Header{{Name: "a.cuh", Source: "A"}, {Name: "b.cuh", Source: "B"}},
	NameExpressions: []string{"ember::f<float>", "ember::f<double>"},
}

func TestKeyCoversEveryInput(t *testing.T) {
	t80 := Target{Arch: 80}
	base := Key("11.8", t80, baseReq)
	variants := map[string]func() (string, Target, Request){
		"version": func() (string, Target, Request) { return "12.4", t80, baseReq },
		"target":  func() (string, Target, Request) { return "11.8", Target{Arch: 90}, baseReq },
		"format":  func() (string, Target, Request) { return "11.8", Target{Arch: 80, CUBIN: true}, baseReq },
		"source": func() (string, Target, Request) {
			r := baseReq
			r.Source += " "
			return "11.8", t80, r
		},
		"options": func() (string, Target, Request) {
			r := baseReq
			r.Options = []string{"-std=c++14"}
			return "11.8", t80, r
		},
		"header text": func() (string, Target, Request) {
			r := baseReq
			r.Headers = []nvrtc.Header{{Name: "a.cuh", Source: "A2"}, {Name: "b.cuh", Source: "B"}}
			return "11.8", t80, r
		},
		"names": func() (string, Target, Request) {
			r := baseReq
			r.NameExpressions = []string{"ember::f<float>"}
			return "11.8", t80, r
		},
		// Moving bytes between adjacent fields must change the key.
		"field boundary": func() (string, Target, Request) {
			r := baseReq
			r.Headers = []nvrtc.Header{{Name: "a.cuhA", Source: ""}, {Name: "b.cuh", Source: "B"}}
			return "11.8", t80, r
		},
	}
	for name, f := range variants {
		if k := Key(f()); k == base {
			t.Errorf("changing the %s does not change the key", name)
		}
	}
	// Order of headers and names is irrelevant.
	r := baseReq
	r.Headers = []nvrtc.Header{baseReq.Headers[1], baseReq.Headers[0]}
	r.NameExpressions = []string{baseReq.NameExpressions[1], baseReq.NameExpressions[0]}
	if Key("11.8", t80, r) != base {
		t.Error("reordering headers or names changes the key")
	}
	if len(base) != 64 {
		t.Errorf("key %q is not a hex sha256", base)
	}
}

func TestCacheMemoryDiskAndCompile(t *testing.T) {
	dir := t.TempDir()
	fc := &fakeCompiler{version: "11.8"}
	c := New(fc, dir)
	tgt := Target{Arch: 90, CUBIN: true}
	img, err := c.Get(baseReq, tgt)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(img.Data, []byte("\x7fELF")) || img.Lowered["ember::f<float>"] != "_Zember::f<float>" {
		t.Fatalf("image = %q, lowered %v", img.Data, img.Lowered)
	}
	path := c.Path("11.8", tgt, img.Key)
	if filepath.Dir(filepath.Dir(path)) != filepath.Join(dir, "11.8") || filepath.Base(filepath.Dir(path)) != "sm_90" || filepath.Ext(path) != ".cubin" {
		t.Errorf("entry path %s", path)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no disk entry: %v", err)
	}
	if _, err := c.Get(baseReq, tgt); err != nil {
		t.Fatal(err)
	}
	// A fresh cache over the same folder reads the disk entry.
	c2 := New(fc, dir)
	img2, err := c2.Get(baseReq, tgt)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(img2.Data, img.Data) || img2.Lowered["ember::f<double>"] != "_Zember::f<double>" || img2.Key != img.Key {
		t.Errorf("disk image differs: %q %v", img2.Data, img2.Lowered)
	}
	if got := fc.calls.Load(); got != 1 {
		t.Errorf("compiled %d times, want 1", got)
	}
	if s := c.Stats(); s.Compiles != 1 || s.MemoryHits != 1 {
		t.Errorf("first cache stats %+v", s)
	}
	if s := c2.Stats(); s.DiskHits != 1 || s.Compiles != 0 {
		t.Errorf("second cache stats %+v", s)
	}
	// A PTX target is a different entry.
	pimg, err := c.Get(baseReq, Target{Arch: 80})
	if err != nil || bytes.HasPrefix(pimg.Data, []byte("\x7fELF")) || !bytes.Contains(pimg.Data, []byte("compute_80")) {
		t.Errorf("PTX image %q, %v", pimg.Data, err)
	}
}

func TestCorruptEntriesAreRecompiled(t *testing.T) {
	tgt := Target{Arch: 80}
	for name, damage := range map[string]func([]byte) []byte{
		"torn":           func(b []byte) []byte { return b[:len(b)-7] },
		"flipped bit":    func(b []byte) []byte { b[len(b)-3] ^= 1; return b },
		"empty":          func([]byte) []byte { return nil },
		"not ours":       func([]byte) []byte { return []byte("hello, world, this is not a cache entry at all.......") },
		"lying length":   func(b []byte) []byte { binary.LittleEndian.PutUint64(b[12:], 1<<62); return b },
		"future version": func(b []byte) []byte { binary.LittleEndian.PutUint32(b[8:], 99); return b },
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			fc := &fakeCompiler{version: "11.8"}
			img, err := New(fc, dir).Get(baseReq, tgt)
			if err != nil {
				t.Fatal(err)
			}
			path := New(fc, dir).Path("11.8", tgt, img.Key)
			b, _ := os.ReadFile(path)
			if err := os.WriteFile(path, damage(b), 0o644); err != nil {
				t.Fatal(err)
			}
			c := New(fc, dir)
			img2, err := c.Get(baseReq, tgt)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(img2.Data, img.Data) {
				t.Errorf("recompiled image differs")
			}
			if s := c.Stats(); s.Corrupt != 1 || s.Compiles != 1 {
				t.Errorf("stats %+v, want one corrupt entry recompiled", s)
			}
			// The entry was rewritten whole.
			b, _ = os.ReadFile(path)
			if _, err := decodeEntry(b, tgt); err != nil {
				t.Errorf("rewritten entry: %v", err)
			}
		})
	}
}

func TestConcurrentWriters(t *testing.T) {
	dir := t.TempDir()
	fc := &fakeCompiler{version: "11.8"}
	// Separate caches stand for separate processes sharing the folder.
	var wg sync.WaitGroup
	imgs := make([]*Image, 8)
	errs := make([]error, 8)
	for i := range imgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			imgs[i], errs[i] = New(fc, dir).Get(baseReq, Target{Arch: 80})
		}()
	}
	wg.Wait()
	for i := range imgs {
		if errs[i] != nil || !bytes.Equal(imgs[i].Data, imgs[0].Data) {
			t.Fatalf("writer %d: %v", i, errs[i])
		}
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "11.8", "compute_80", "*"))
	if len(matches) != 1 {
		t.Errorf("folder holds %v, want exactly the entry (no temp files)", matches)
	}
	// Within one cache, concurrent requests compile once.
	fc2 := &fakeCompiler{version: "11.8"}
	c := New(fc2, "")
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Get(baseReq, Target{Arch: 80})
		}()
	}
	wg.Wait()
	if n := fc2.calls.Load(); n != 1 {
		t.Errorf("one cache compiled %d times", n)
	}
}

func TestCompileErrorsAreNotStored(t *testing.T) {
	dir := t.TempDir()
	boom := errors.New("boom")
	fc := &fakeCompiler{version: "11.8", fail: boom}
	c := New(fc, dir)
	if _, err := c.Get(baseReq, Target{Arch: 80}); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if _, err := c.Get(baseReq, Target{Arch: 80}); !errors.Is(err, boom) || fc.calls.Load() != 1 {
		t.Errorf("second Get: %v after %d compiles; the error should be remembered", err, fc.calls.Load())
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "*", "*", "*"))
	if len(matches) != 0 {
		t.Errorf("a failed compile left %v", matches)
	}
}

func TestWarmUp(t *testing.T) {
	fc := &fakeCompiler{version: "11.8"}
	c := New(fc, "")
	var reqs []Request
	for i := range 10 {
		r := baseReq
		r.Source = fmt.Sprintf("// %d", i)
		reqs = append(reqs, r)
	}
	if err := c.WarmUp(reqs, Target{Arch: 80}); err != nil {
		t.Fatal(err)
	}
	if fc.calls.Load() != 10 {
		t.Errorf("%d compiles", fc.calls.Load())
	}
	if err := New(&fakeCompiler{version: "x", fail: errors.New("nope")}, "").WarmUp(reqs[:2], Target{Arch: 80}); err == nil {
		t.Error("failures not reported")
	}
}

func TestChooseTarget(t *testing.T) {
	nvrtc118 := []int{35, 37, 50, 52, 53, 60, 61, 62, 70, 72, 75, 80, 86, 87, 89, 90}
	for _, tc := range []struct {
		device int
		want   string
		fail   bool
	}{
		{90, "sm_90", false},
		{86, "sm_86", false},
		{100, "compute_90", false}, // Blackwell on NVRTC 11.8: PTX the driver compiles
		{120, "compute_90", false},
		{88, "compute_87", false},
		{30, "", true},
		{0, "", true},
	} {
		got, err := ChooseTarget(tc.device, nvrtc118)
		if (err != nil) != tc.fail || (err == nil && got.String() != tc.want) {
			t.Errorf("ChooseTarget(%d) = %v, %v; want %s", tc.device, got, err, tc.want)
		}
	}
}

func TestModulesLoadOncePerDevice(t *testing.T) {
	var loads atomic.Int64
	ms := NewModules(func(device int, img *Image) (string, error) {
		loads.Add(1)
		return fmt.Sprintf("%d/%s", device, img.Key), nil
	})
	img := &Image{Key: "k1"}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if m, err := ms.Get(i%2, img); err != nil || m != fmt.Sprintf("%d/k1", i%2) {
				t.Errorf("Get = %q, %v", m, err)
			}
		}()
	}
	wg.Wait()
	if loads.Load() != 2 {
		t.Errorf("%d loads, want one per device", loads.Load())
	}
	if dropped := ms.Drop(0); len(dropped) != 1 || dropped[0] != "0/k1" {
		t.Errorf("Drop = %v", dropped)
	}
	ms.Get(0, img)
	if loads.Load() != 3 {
		t.Error("a dropped module was not reloaded")
	}
}
