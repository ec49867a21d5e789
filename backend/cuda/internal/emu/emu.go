// Package emu runs Ember's CUDA C kernels on the CPU so that tests can check
// their results on machines without a GPU.
//
// [Build] compiles the kernel files as C++ with the host's g++, together
// with emu.h (the CUDA built-ins: thread indices, __syncthreads, warp
// shuffles, atomics) and runtime.cpp (a fiber scheduler that runs each
// thread of a block as a coroutine, so barriers and shuffles behave as on a
// GPU). [Start] runs the result as a child process that holds "device"
// memory and launches kernels by their NVRTC name expression, taking the
// same packed parameter block that cuLaunchKernel gets; it rejects a block
// whose size does not match the kernel's C parameter list, and buffers are
// fenced with guard bytes that are checked after every launch.
//
// The emulator checks logic, not performance or memory-model subtleties:
// blocks run one after another and atomics cannot race.
package emu

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

//go:embed csrc/emu.h
var emuHeader string

//go:embed csrc/runtime.cpp
var runtimeSource string

// Unit is one kernel file and the template instantiations to register.
type Unit struct {
	File  string
	Exprs []string
}

// Sources is everything a build needs.
type Sources struct {
	// Files maps file names (kernel files and the headers they include) to
	// their text.
	Files map[string]string
	// Units lists what to compile and register.
	Units []Unit
}

// key hashes the sources, the emulator itself and the compiler flags.
func (s Sources) key() string {
	h := sha256.New()
	fmt.Fprintf(h, "emu v1\x00%s\x00%s\x00%s\x00", strings.Join(cxxFlags, " "), emuHeader, runtimeSource)
	names := make([]string, 0, len(s.Files))
	for n := range s.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%d\x00%s", n, len(s.Files[n]), s.Files[n])
	}
	for _, u := range s.Units {
		fmt.Fprintf(h, "%s\x00%s\x00", u.File, strings.Join(u.Exprs, "\x00"))
	}
	return hex.EncodeToString(h.Sum(nil))[:24]
}

var cxxFlags = []string{"-std=c++17", "-O0", "-g0", "-fno-strict-aliasing", "-Wall", "-Wno-unknown-pragmas",
	"-Wno-unused-function", "-Wno-unused-variable"}

// Compiler returns the C++ compiler: $CXX, else g++.
func Compiler() (string, error) {
	cxx := os.Getenv("CXX")
	if cxx == "" {
		cxx = "g++"
	}
	p, err := exec.LookPath(cxx)
	if err != nil {
		return "", fmt.Errorf("emu: the kernel emulator needs a C++17 compiler (g++; set CXX to another): %w", err)
	}
	return p, nil
}

// CacheDir is where built emulators are kept, one folder per source hash.
func CacheDir() string {
	if d := os.Getenv("EMBER_CACHE_DIR"); d != "" {
		return filepath.Join(d, "emu")
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "ember", "emu")
	}
	return filepath.Join(os.TempDir(), "ember-emu")
}

// Build compiles the emulator for src, or returns the cached binary built
// from identical sources. Each unit is a separate translation unit,
// compiled in parallel.
func Build(src Sources) (string, error) {
	cxx, err := Compiler()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(CacheDir(), src.key(), "emu")
	if fi, err := os.Stat(bin); err == nil && fi.Mode().IsRegular() {
		return bin, nil
	}
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return "", fmt.Errorf("emu: %w", err)
	}
	work, err := os.MkdirTemp(filepath.Dir(bin), "build-")
	if err != nil {
		return "", fmt.Errorf("emu: %w", err)
	}
	defer os.RemoveAll(work)
	files := map[string]string{"emu.h": emuHeader, "runtime.cpp": runtimeSource}
	for n, text := range src.Files {
		files[n] = text
	}
	tus := []string{"runtime.cpp"}
	for i, u := range src.Units {
		name := fmt.Sprintf("unit%02d.cpp", i)
		files[name] = registration(u)
		tus = append(tus, name)
	}
	for n, text := range files {
		if err := os.WriteFile(filepath.Join(work, n), []byte(text), 0o644); err != nil {
			return "", fmt.Errorf("emu: %w", err)
		}
	}
	objs := make([]string, len(tus))
	errs := make([]error, len(tus))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i, tu := range tus {
		objs[i] = strings.TrimSuffix(tu, ".cpp") + ".o"
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			args := append(append([]string{}, cxxFlags...), "-c", tu, "-o", objs[i])
			if out, err := runIn(work, cxx, args...); err != nil {
				errs[i] = fmt.Errorf("emu: compiling %s: %v\n%s", tu, err, out)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return "", err
	}
	tmp := filepath.Join(work, "emu")
	if out, err := runIn(work, cxx, append(append([]string{"-o", tmp}, objs...), "-lstdc++")...); err != nil {
		return "", fmt.Errorf("emu: linking: %v\n%s", err, out)
	}
	if err := os.Rename(tmp, bin); err != nil {
		return "", fmt.Errorf("emu: %w", err)
	}
	return bin, nil
}

func runIn(dir, name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	return cmd.CombinedOutput()
}

// registration generates the translation unit that compiles one kernel file
// and registers each instantiation under its name expression.
func registration(u Unit) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#include \"emu.h\"\n#include %q\nnamespace {\n", u.File)
	for i, e := range u.Exprs {
		fmt.Fprintf(&b, "ember_emu::Registrar reg%d(%q, &%s);\n", i, e, e)
	}
	b.WriteString("}  // namespace\n")
	return b.String()
}
