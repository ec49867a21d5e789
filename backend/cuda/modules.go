package cuda

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/backend/cuda/jit"
	"github.com/emberdl/ember/backend/cuda/kernels"
	"github.com/emberdl/ember/backend/cuda/nvrtc"
)

// imageSource produces the module image of one kernel file: its bytes (PTX
// or CUBIN) and the mangled name of each name expression.
type imageSource interface {
	image(file string) (data []byte, lowered map[string]string, err error)
	// String says what the source is, such as "NVRTC 12.4, sm_90 CUBIN".
	String() string
}

// jitSource compiles kernel files with NVRTC through the jit cache (memory
// and disk).
type jitSource struct {
	cache   *jit.Cache
	target  jit.Target
	version string
}

// request is the compilation of one kernel file.
func request(file string) (jit.Request, error) {
	src, err := kernels.Source(file)
	if err != nil {
		return jit.Request{}, err
	}
	return jit.Request{
		Name:            file,
		Source:          src,
		Headers:         []nvrtc.Header{{Name: kernels.HeaderName, Source: kernels.Header()}},
		NameExpressions: catalogExprs(file),
		Options:         kernels.Options(),
	}, nil
}

func (s *jitSource) image(file string) ([]byte, map[string]string, error) {
	req, err := request(file)
	if err != nil {
		return nil, nil, err
	}
	img, err := s.cache.Get(req, s.target)
	if err != nil {
		return nil, nil, fmt.Errorf("compiling %s for %s: %w", file, s.target, err)
	}
	return img.Data, img.Lowered, nil
}

// warmUp compiles (or loads from the disk cache) every kernel file in the
// background, on the CPU worker pool, so that the first use of a file
// rarely waits for NVRTC: a file requested while its compile is running
// waits for that compile instead of starting another. Failures are
// reported again, and fall back to the prebuilt PTX, when the file is used.
func (s *jitSource) warmUp() {
	var reqs []jit.Request
	for _, u := range kernels.Catalog() {
		if req, err := request(u.File); err == nil {
			reqs = append(reqs, req)
		}
	}
	go s.cache.WarmUp(reqs, s.target)
}

func (s *jitSource) String() string {
	return fmt.Sprintf("NVRTC %s, %s %s", s.version, s.target, strings.ToUpper(s.target.Ext()))
}

// prebuiltSource serves the PTX shipped in package kernels (compute_80).
type prebuiltSource struct {
	files map[string]kernels.Prebuilt
	err   error
}

func newPrebuiltSource() *prebuiltSource {
	all, _, err := kernels.PrebuiltPTX()
	s := &prebuiltSource{files: map[string]kernels.Prebuilt{}, err: err}
	for _, p := range all {
		s.files[p.File] = p
	}
	return s
}

func (s *prebuiltSource) image(file string) ([]byte, map[string]string, error) {
	if s.err != nil {
		return nil, nil, s.err
	}
	p, ok := s.files[file]
	if !ok {
		return nil, nil, fmt.Errorf("no prebuilt PTX for %s (run go generate in backend/cuda/kernels)", file)
	}
	return p.PTX, p.Lowered, nil
}

func (s *prebuiltSource) String() string { return "prebuilt " + kernels.PrebuiltTarget + " PTX" }

// catalogExprs lists the name expressions of one kernel file.
func catalogExprs(file string) []string {
	for _, u := range kernels.Catalog() {
		if u.File == file {
			return u.Exprs
		}
	}
	return nil
}

// moduleTable loads each kernel file into the device's context on first
// use, trying its image sources in order (a JIT compile that fails, or
// whose image the driver rejects, falls back to the prebuilt PTX), and
// caches the functions it finds. It is safe for concurrent use.
type moduleTable struct {
	sources []imageSource
	load    func(image []byte) (driver.Module, error)
	lookup  func(m driver.Module, name string) (driver.Function, error)

	mu    sync.Mutex
	files map[string]*fileModule
	fns   map[kernels.Kernel]driver.Function
}

// fileModule is one loaded kernel file.
type fileModule struct {
	once    sync.Once
	mod     driver.Module
	lowered map[string]string
	from    string // the source that produced it
	err     error
}

func newModuleTable(sources []imageSource, load func([]byte) (driver.Module, error),
	lookup func(driver.Module, string) (driver.Function, error)) *moduleTable {
	return &moduleTable{sources: sources, load: load, lookup: lookup,
		files: map[string]*fileModule{}, fns: map[kernels.Kernel]driver.Function{}}
}

// function returns kernel k.
func (t *moduleTable) function(k kernels.Kernel) (driver.Function, error) {
	t.mu.Lock()
	if f, ok := t.fns[k]; ok {
		t.mu.Unlock()
		return f, nil
	}
	fm := t.files[k.File]
	if fm == nil {
		fm = &fileModule{}
		t.files[k.File] = fm
	}
	t.mu.Unlock()
	fm.once.Do(func() { t.loadFile(fm, k.File) })
	if fm.err != nil {
		return 0, fm.err
	}
	name := fm.lowered[k.Expr]
	if name == "" {
		return 0, fmt.Errorf("kernel %s is not in the module of %s (%s): the catalog and the image disagree", k.Expr, k.File, fm.from)
	}
	f, err := t.lookup(fm.mod, name)
	if err != nil {
		return 0, fmt.Errorf("kernel %s: %w", k.Expr, err)
	}
	t.mu.Lock()
	t.fns[k] = f
	t.mu.Unlock()
	return f, nil
}

func (t *moduleTable) loadFile(fm *fileModule, file string) {
	var errs []error
	for _, src := range t.sources {
		data, lowered, err := src.image(file)
		if err == nil {
			var mod driver.Module
			if mod, err = t.load(data); err == nil {
				fm.mod, fm.lowered, fm.from = mod, lowered, src.String()
				return
			}
			err = fmt.Errorf("loading the module: %w", err)
		}
		errs = append(errs, fmt.Errorf("%s: %w", src, err))
	}
	if len(errs) == 0 {
		errs = append(errs, errors.New("no kernel source is available"))
	}
	fm.err = fmt.Errorf("cuda: kernels of %s unavailable: %w", file, errors.Join(errs...))
}

// loaded lists the kernel files loaded so far and where each came from.
func (t *moduleTable) loaded() map[string]string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := map[string]string{}
	for f, fm := range t.files {
		if fm.from != "" {
			out[f] = fm.from
		}
	}
	return out
}

// kernelSources picks where a device of compute capability arch (such as
// 90) gets its kernels: NVRTC when it loads (a CUBIN for the exact SM when
// NVRTC supports it, else PTX for the best lower architecture), then the
// prebuilt compute_80 PTX, which needs an sm_80 or newer GPU and a driver
// for CUDA 11.8 or newer. It fails only when neither is usable, saying why.
func kernelSources(arch, driverVersion int, nvrtcErr error, archs []int, nvrtcVersion string, cacheDir string) ([]imageSource, error) {
	var out []imageSource
	var why []string
	if nvrtcErr == nil {
		t, err := jit.ChooseTarget(arch, archs)
		if err == nil {
			out = append(out, &jitSource{cache: jit.New(jit.NVRTC{}, cacheDir), target: t, version: nvrtcVersion})
		} else {
			why = append(why, err.Error())
		}
	} else {
		why = append(why, "NVRTC: "+firstLine(nvrtcErr.Error()))
	}
	switch {
	case arch < 80:
		why = append(why, fmt.Sprintf("the prebuilt kernels are %s PTX, which an sm_%d GPU cannot run", kernels.PrebuiltTarget, arch))
	case driverVersion < 11080:
		why = append(why, fmt.Sprintf("the prebuilt kernels are PTX 7.8, which needs a driver for CUDA 11.8 or newer (this one supports %s)", driver.VersionString(driverVersion)))
	default:
		out = append(out, newPrebuiltSource())
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no way to run Ember's kernels on this GPU: %s", strings.Join(why, "; "))
	}
	return out, nil
}
