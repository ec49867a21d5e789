package dl

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/ebitengine/purego"
)

// Library is an opened shared library. It is never closed.
type Library struct {
	// Name is the Spec's name.
	Name string
	// Path is the file that was opened, after following symbolic links.
	Path string
	// Report lists every place that was tried before this one succeeded.
	Report Report

	handle uintptr
}

// Sym returns the address of the exported function or variable name.
func (l *Library) Sym(name string) (uintptr, error) {
	p, err := purego.Dlsym(l.handle, name)
	if err != nil || p == 0 {
		return 0, fmt.Errorf("%s (%s): symbol %s not found", l.Name, l.Path, name)
	}
	return p, nil
}

// Bind looks up every name and stores its address at the same index of
// addrs, which must be as long as names. It fails, naming all of them, if
// any symbol is missing; addrs then holds 0 for those.
func (l *Library) Bind(names []string, addrs []uintptr) error {
	if len(addrs) != len(names) {
		return fmt.Errorf("dl: Bind given %d names but %d slots", len(names), len(addrs))
	}
	var missing []string
	for i, n := range names {
		p, err := purego.Dlsym(l.handle, n)
		if err != nil || p == 0 {
			missing = append(missing, n)
			p = 0
		}
		addrs[i] = p
	}
	if len(missing) > 0 {
		return &MissingSymbolsError{Library: l.Name, Path: l.Path, Symbols: missing}
	}
	return nil
}

// MissingSymbolsError says which symbols a library lacks; usually the
// library is older than Ember supports.
type MissingSymbolsError struct {
	Library, Path string
	Symbols       []string
}

func (e *MissingSymbolsError) Error() string {
	return fmt.Sprintf("%s (%s) lacks %d symbol(s): %s", e.Library, e.Path, len(e.Symbols), strings.Join(e.Symbols, ", "))
}

// NotFoundError is returned when no candidate of a library could be opened.
type NotFoundError struct {
	Report Report
}

func (e *NotFoundError) Error() string {
	r := e.Report
	var b strings.Builder
	fmt.Fprintf(&b, "%s not found", r.Library)
	if len(r.Attempts) == 1 {
		a := r.Attempts[0]
		fmt.Fprintf(&b, ": %s (%s): %s", a.Path, a.Source, a.Err)
		return b.String()
	}
	fmt.Fprintf(&b, " in %d places", len(r.Attempts))
	if n := r.openFailures(); len(n) > 0 {
		b.WriteString("; present but unusable: ")
		for i, a := range n {
			if i > 0 {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "%s: %s", a.Path, a.Err)
		}
	}
	if r.Hint != "" {
		b.WriteString(" (" + r.Hint + ")")
	}
	return b.String()
}

// dlopenFlags: resolve everything now, and make the symbols visible to
// libraries opened later (libcublas needs libcublasLt's).
const dlopenFlags = purego.RTLD_NOW | purego.RTLD_GLOBAL

// opened caches one result per library name for the whole process.
var opened sync.Map // string -> *openResult

type openResult struct {
	once sync.Once
	lib  *Library
	err  error
}

// Open finds and opens the library of spec, searching as [Candidates]
// describes in the environment of the process. The result, success or
// failure, is cached: later calls return the same.
func Open(spec Spec) (*Library, error) {
	v, _ := opened.LoadOrStore(spec.Name, &openResult{})
	r := v.(*openResult)
	r.once.Do(func() { r.lib, r.err = Find(spec, SystemEnv()) })
	return r.lib, r.err
}

// OpenBeside is Open for a library that should come from the same folder
// as lib (libcublas beside the libcublasLt already loaded): that folder is
// tried first, then the usual search. An override in spec.Env still wins.
func OpenBeside(spec Spec, lib *Library) (*Library, error) {
	v, _ := opened.LoadOrStore(spec.Name, &openResult{})
	r := v.(*openResult)
	r.once.Do(func() { r.lib, r.err = find(spec, SystemEnv(), besideCandidates(spec, lib)) })
	return r.lib, r.err
}

// besideCandidates lists spec's sonames in lib's folder.
func besideCandidates(spec Spec, lib *Library) []Candidate {
	if lib == nil {
		return nil
	}
	var out []Candidate
	for _, so := range spec.Sonames {
		out = append(out, Candidate{Path: filepath.Join(filepath.Dir(lib.Path), so), Source: FromBeside + " " + lib.Name})
	}
	return out
}

// Find searches for the library of spec in env and opens the first candidate
// that loads and exports spec.Probe. It does not cache. On failure the error
// is a *NotFoundError carrying the report of every attempt.
func Find(spec Spec, env Env) (*Library, error) { return find(spec, env, nil) }

// find is Find with extra candidates tried first (unless an override is set).
func find(spec Spec, env Env, first []Candidate) (*Library, error) {
	rep := Report{Library: spec.Name}
	cands := Candidates(spec, env)
	if len(cands) != 1 || !strings.HasPrefix(cands[0].Source, FromOverride) {
		cands = dedupe(append(first, cands...))
	}
	for _, c := range cands {
		h, err := try(spec, c)
		if err != nil {
			rep.Attempts = append(rep.Attempts, Attempt{Path: c.Path, Source: c.Source, Err: err.Error()})
			continue
		}
		rep.Attempts = append(rep.Attempts, Attempt{Path: c.Path, Source: c.Source})
		lib := &Library{Name: spec.Name, Path: resolve(c, h, spec.Probe), handle: h}
		rep.Chosen = lib.Path
		lib.Report = rep
		return lib, nil
	}
	rep.Hint = hint(spec)
	return nil, &NotFoundError{Report: rep}
}

// dedupe drops repeated paths, keeping the first.
func dedupe(cands []Candidate) []Candidate {
	var c candidateList
	for _, x := range cands {
		c.add(x)
	}
	return c.list
}

// errNoFile marks a candidate file that does not exist.
var errNoFile = errors.New("no such file")

// try opens one candidate and checks that it is the library we want.
func try(spec Spec, c Candidate) (uintptr, error) {
	if c.Source != FromLoader {
		fi, err := os.Stat(c.Path)
		if errors.Is(err, fs.ErrNotExist) {
			return 0, errNoFile
		}
		if err != nil {
			return 0, err
		}
		if fi.IsDir() {
			return 0, errors.New("is a directory")
		}
	}
	h, err := purego.Dlopen(c.Path, dlopenFlags)
	if err != nil {
		msg := err.Error()
		if c.Source == FromLoader && strings.Contains(msg, "No such file") {
			return 0, errors.New("not known to the system loader")
		}
		return 0, fmt.Errorf("dlopen: %s", strings.TrimPrefix(msg, c.Path+": "))
	}
	if spec.Probe != "" {
		if p, err := purego.Dlsym(h, spec.Probe); err != nil || p == 0 {
			// Not the library we want (a stub, or a file of another
			// library under this name). It stays loaded: unloading
			// foreign code that has run its initialisers is riskier.
			return 0, fmt.Errorf("opened, but it does not export %s", spec.Probe)
		}
	}
	return h, nil
}

// resolve names the file behind an opened candidate.
func resolve(c Candidate, h uintptr, probe string) string {
	if c.Source != FromLoader {
		if p, err := filepath.EvalSymlinks(c.Path); err == nil {
			return p
		}
		return c.Path
	}
	if probe != "" {
		if addr, err := purego.Dlsym(h, probe); err == nil {
			if p := mappedFile(addr); p != "" {
				return p
			}
		}
	}
	return c.Path
}

// mappedFile returns the file mapped at addr in this process, from
// /proc/self/maps, or "" if it cannot tell.
func mappedFile(addr uintptr) string {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// lo-hi perms offset dev inode path
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		l, err1 := strconv.ParseUint(lo, 16, 64)
		h, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 == nil && err2 == nil && uint64(addr) >= l && uint64(addr) < h {
			return fields[5]
		}
	}
	return ""
}

// hint tells the user how to get a missing library.
func hint(spec Spec) string {
	switch spec.Name {
	case Driver.Name:
		return "install the NVIDIA driver, or set " + spec.Env + " to its libcuda.so.1"
	case NVRTC.Name:
		return "install the CUDA toolkit, Debian's libnvrtc11.2 or `pip install nvidia-cuda-nvrtc-cu12`, or set " + spec.Env
	case CUBLAS.Name, CUBLASLt.Name:
		return "install the CUDA toolkit or `pip install nvidia-cublas-cu12`, or set " + spec.Env
	}
	if spec.Env != "" {
		return "set " + spec.Env + " to the library file"
	}
	return ""
}
