package dl

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// Where a candidate came from, as printed in reports.
const (
	FromOverride  = "override"        // the Spec's Env variable
	FromEmberPath = "EMBER_CUDA_PATH" // a directory given to Ember
	FromLDPath    = "LD_LIBRARY_PATH"
	FromLoader    = "system loader" // bare soname: ld.so.cache and default dirs
	FromCUDAHome  = "CUDA_HOME"
	FromCUDAPath  = "CUDA_PATH"
	FromToolkit   = "CUDA toolkit"   // /usr/local/cuda*/lib64
	FromSystem    = "system lib dir" // Debian and other distribution dirs
	FromWSL       = "WSL"
	FromPipWheel  = "pip wheel"
	FromConda     = "CONDA_PREFIX"
	FromBeside    = "beside" // the folder of a related library already loaded
)

// Candidate is one place where a library may be.
type Candidate struct {
	// Path is an absolute file path, or a bare soname when Source is
	// FromLoader.
	Path string
	// Source says which rule produced the candidate.
	Source string
}

// Env is what the search reads from the machine. Tests replace it to search
// fake directory trees.
type Env struct {
	// Getenv reads an environment variable.
	Getenv func(string) string
	// Home is the user's home directory ("" if unknown).
	Home string
	// Root is prepended to the fixed system paths (/usr/local/cuda, ...);
	// "" on a real machine.
	Root string
	// Multiarch is the Debian multiarch triplet, such as x86_64-linux-gnu.
	Multiarch string
}

// SystemEnv returns the Env of the running process.
func SystemEnv() Env {
	home, _ := os.UserHomeDir()
	return Env{Getenv: os.Getenv, Home: home, Multiarch: multiarch(runtime.GOARCH)}
}

func multiarch(goarch string) string {
	switch goarch {
	case "arm64":
		return "aarch64-linux-gnu"
	case "ppc64le":
		return "powerpc64le-linux-gnu"
	default:
		return "x86_64-linux-gnu"
	}
}

// Candidates lists, in search order, every place where the library of spec
// may be:
//
//  1. the file named by spec.Env (when set, it is the only candidate);
//  2. $EMBER_CUDA_PATH, its lib64 and lib folders;
//  3. every folder of $LD_LIBRARY_PATH;
//  4. the bare soname, resolved by the system loader (ld.so.cache);
//  5. $CUDA_HOME and $CUDA_PATH (lib64, lib);
//  6. /usr/local/cuda/lib64, then /usr/local/cuda-*/lib64, newest first;
//  7. /usr/lib/<multiarch>/nvidia/current (Debian's driver), then the system
//     library folders;
//  8. /usr/lib/wsl/lib (WSL2's driver);
//  9. pip wheel folders (spec.Wheels) under the site-packages of $VIRTUAL_ENV,
//     $CONDA_PREFIX, ~/.local/lib/python3*, /usr/local/lib/python3* and
//     /usr/lib/python3/dist-packages, and $CONDA_PREFIX/lib itself.
//
// Within a folder the sonames are tried newest first. A path is listed once,
// at its first place.
func Candidates(spec Spec, env Env) []Candidate {
	if p := env.Getenv(spec.Env); spec.Env != "" && p != "" {
		return []Candidate{{Path: p, Source: FromOverride + " " + spec.Env}}
	}
	var c candidateList
	if d := env.Getenv("EMBER_CUDA_PATH"); d != "" {
		c.dirs(spec, FromEmberPath, d, filepath.Join(d, "lib64"), filepath.Join(d, "lib"))
	}
	for _, d := range filepath.SplitList(env.Getenv("LD_LIBRARY_PATH")) {
		if d != "" {
			c.dirs(spec, FromLDPath, d)
		}
	}
	for _, so := range spec.Sonames {
		c.add(Candidate{Path: so, Source: FromLoader})
	}
	for _, v := range []string{"CUDA_HOME", "CUDA_PATH"} {
		if d := env.Getenv(v); d != "" {
			c.dirs(spec, v, filepath.Join(d, "lib64"), filepath.Join(d, "lib"))
		}
	}
	root := env.Root
	c.dirs(spec, FromToolkit, filepath.Join(root, "/usr/local/cuda/lib64"))
	for _, d := range globNewestFirst(filepath.Join(root, "/usr/local/cuda-*")) {
		c.dirs(spec, FromToolkit, filepath.Join(d, "lib64"))
	}
	c.dirs(spec, FromSystem,
		filepath.Join(root, "/usr/lib", env.Multiarch, "nvidia/current"),
		filepath.Join(root, "/usr/lib", env.Multiarch),
		filepath.Join(root, "/lib", env.Multiarch),
		filepath.Join(root, "/usr/lib64"),
		filepath.Join(root, "/usr/lib"))
	c.dirs(spec, FromWSL, filepath.Join(root, "/usr/lib/wsl/lib"))
	if len(spec.Wheels) > 0 {
		for _, sp := range sitePackages(env) {
			for _, w := range spec.Wheels {
				c.dirs(spec, FromPipWheel, filepath.Join(sp, w))
			}
		}
		if d := env.Getenv("CONDA_PREFIX"); d != "" {
			c.dirs(spec, FromConda, filepath.Join(d, "lib"))
		}
	}
	return c.list
}

// sitePackages lists the Python package folders that may hold NVIDIA wheels.
func sitePackages(env Env) []string {
	var out []string
	for _, v := range []string{"VIRTUAL_ENV", "CONDA_PREFIX"} {
		if d := env.Getenv(v); d != "" {
			out = append(out, globNewestFirst(filepath.Join(d, "lib/python3*/site-packages"))...)
		}
	}
	if env.Home != "" {
		out = append(out, globNewestFirst(filepath.Join(env.Home, ".local/lib/python3*/site-packages"))...)
	}
	for _, p := range []string{"/usr/local/lib/python3*/dist-packages", "/usr/local/lib/python3*/site-packages"} {
		out = append(out, globNewestFirst(filepath.Join(env.Root, p))...)
	}
	return append(out, filepath.Join(env.Root, "/usr/lib/python3/dist-packages"))
}

// candidateList collects candidates without repeating a path.
type candidateList struct {
	list []Candidate
	seen map[string]bool
}

func (c *candidateList) add(cand Candidate) {
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	if c.seen[cand.Path] {
		return
	}
	c.seen[cand.Path] = true
	c.list = append(c.list, cand)
}

// dirs adds every soname of spec in each of the folders.
func (c *candidateList) dirs(spec Spec, source string, dirs ...string) {
	for _, d := range dirs {
		for _, so := range spec.Sonames {
			c.add(Candidate{Path: filepath.Join(d, so), Source: source})
		}
	}
}

// globNewestFirst expands pattern and orders the matches so that names with
// higher version numbers come first (cuda-12.10 before cuda-12.9).
func globNewestFirst(pattern string) []string {
	m, err := filepath.Glob(pattern)
	if err != nil {
		return nil
	}
	slices.SortFunc(m, func(a, b string) int { return compareVersions(b, a) })
	return m
}

// compareVersions compares two strings by their runs of digits as numbers
// and everything else as text.
func compareVersions(a, b string) int {
	for a != "" && b != "" {
		da, ra := splitRun(a)
		db, rb := splitRun(b)
		if isDigit(da[0]) && isDigit(db[0]) {
			na, _ := strconv.Atoi(da)
			nb, _ := strconv.Atoi(db)
			if na != nb {
				if na < nb {
					return -1
				}
				return 1
			}
		} else if c := strings.Compare(da, db); c != 0 {
			return c
		}
		a, b = ra, rb
	}
	return strings.Compare(a, b)
}

// splitRun splits s after its first run of digits or of non-digits.
func splitRun(s string) (run, rest string) {
	d := isDigit(s[0])
	i := 1
	for i < len(s) && isDigit(s[i]) == d {
		i++
	}
	return s[:i], s[i:]
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
