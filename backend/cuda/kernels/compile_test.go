package kernels

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/emberdl/ember/backend/cuda/internal/cudatest"
	"github.com/emberdl/ember/backend/cuda/nvrtc"
)

// requireNVRTC loads NVRTC, or skips (fails in CI) without it.
func requireNVRTC(t *testing.T) {
	t.Helper()
	cudatest.Require(t, "NVRTC", nvrtc.Load())
}

// compileUnit compiles one kernel file for target with every instantiation.
func compileUnit(u Unit, target string) (*nvrtc.Result, error) {
	src, err := Source(u.File)
	if err != nil {
		return nil, err
	}
	return nvrtc.Compile(nvrtc.Request{
		Name:            u.File,
		Source:          src,
		Headers:         []nvrtc.Header{{Name: HeaderName, Source: Header()}},
		NameExpressions: u.Exprs,
		Options:         CompileOptions(target),
	})
}

// extraTargetsEnv names more NVRTC targets for TestEveryKernelCompiles, as
// a comma-separated list ("compute_90,sm_90"), or "all": compute_90 and
// sm_90 (when the loaded NVRTC supports it), and ptxas for sm_80 as well.
// The default compiles compute_80 only, which is both the prebuilt PTX and
// what a GPU's driver JIT-compiles, and ptxas assembles it for sm_90 (the
// H100/H200 the backend targets): the check that an sm_90 compile inside
// NVRTC would add, at a third of its cost.
const extraTargetsEnv = "EMBER_KERNEL_TARGETS"

// ptxasArchs returns the architectures ptxas assembles the compute_80 PTX
// for.
func ptxasArchs() []string {
	if os.Getenv(extraTargetsEnv) == "all" {
		return []string{"sm_80", "sm_90"}
	}
	return []string{"sm_90"}
}

// compileTargets returns the NVRTC targets of the compile test.
func compileTargets(t *testing.T) []string {
	targets := []string{PrebuiltTarget}
	extra := os.Getenv(extraTargetsEnv)
	if extra == "" {
		return targets
	}
	archs, err := nvrtc.SupportedArchs()
	if err != nil {
		t.Fatal(err)
	}
	if extra == "all" {
		extra = "compute_90"
		if slices.Contains(archs, 90) {
			extra += ",sm_90"
		}
	}
	for _, x := range strings.Split(extra, ",") {
		if x = strings.TrimSpace(x); x != "" && x != PrebuiltTarget {
			targets = append(targets, x)
		}
	}
	return targets
}

func TestEveryKernelCompiles(t *testing.T) {
	requireNVRTC(t)
	ptxas := os.Getenv("EMBER_PTXAS")
	if ptxas == "" {
		ptxas, _ = exec.LookPath("ptxas")
	}
	type job struct {
		u      Unit
		target string
	}
	var jobs []job
	for _, target := range compileTargets(t) {
		for _, u := range Catalog() {
			jobs = append(jobs, job{u, target})
		}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			err := checkUnit(t, j.u, j.target, ptxas)
			if err != nil {
				mu.Lock()
				t.Errorf("%s for %s: %v", j.u.File, j.target, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

// checkUnit compiles u for target and checks the output: every name
// expression is an entry of the PTX, a CUBIN exists for sm targets, the
// prebuilt PTX matches, and ptxas (when available) assembles the
// compute_80 PTX for ptxasArchs.
func checkUnit(t *testing.T, u Unit, target, ptxas string) error {
	res, err := compileUnit(u, target)
	if err != nil {
		return err
	}
	if strings.TrimSpace(res.Log) != "" {
		return fmt.Errorf("compiler warnings:\n%s", res.Log)
	}
	entries := ptxEntries(res.PTX)
	for _, e := range u.Exprs {
		low := res.Lowered[e]
		if low == "" || !entries[low] {
			return fmt.Errorf("%s (lowered %q) is not an entry of the PTX", e, low)
		}
	}
	if len(entries) != len(u.Exprs) {
		return fmt.Errorf("PTX has %d entries, catalog lists %d", len(entries), len(u.Exprs))
	}
	if strings.HasPrefix(target, "sm_") && !bytes.HasPrefix(res.CUBIN, []byte("\x7fELF")) {
		return errors.New("no CUBIN for a real target")
	}
	if target != PrebuiltTarget {
		return nil
	}
	if err := matchesPrebuilt(u, res); err != nil {
		return err
	}
	if ptxas == "" {
		return nil
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "k.ptx")
	if err := os.WriteFile(in, res.PTX, 0o644); err != nil {
		return err
	}
	for _, arch := range ptxasArchs() {
		out, err := exec.Command(ptxas, "-arch="+arch, "-o", filepath.Join(dir, arch+".cubin"), in).CombinedOutput()
		if err != nil {
			return fmt.Errorf("ptxas -arch=%s: %v\n%s", arch, err, out)
		}
	}
	return nil
}

// ptxEntries returns the names of the .entry functions in PTX text.
func ptxEntries(ptx []byte) map[string]bool {
	out := map[string]bool{}
	for _, line := range strings.Split(string(ptx), "\n") {
		line = strings.TrimSpace(line)
		_, rest, ok := strings.Cut(line, ".entry ")
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(rest, "(")
		out[strings.TrimSpace(name)] = true
	}
	return out
}

// matchesPrebuilt checks the committed PTX against a fresh compile, when the
// NVRTC version is the one that generated it (CI pins it).
func matchesPrebuilt(u Unit, res *nvrtc.Result) error {
	pre, version, err := PrebuiltPTX()
	if err != nil {
		return err
	}
	ma, mi, err := nvrtc.Version()
	if err != nil {
		return err
	}
	if fmt.Sprintf("%d.%d", ma, mi) != version {
		return nil // another NVRTC makes other (valid) PTX
	}
	for _, p := range pre {
		if p.File != u.File {
			continue
		}
		if !bytes.Equal(p.PTX, NormalizePTX(res.PTX)) {
			return errors.New("ptx/" + PrebuiltFileName(u.File) + " is stale: run go generate in backend/cuda/kernels")
		}
		for _, e := range u.Exprs {
			if p.Lowered[e] != res.Lowered[e] {
				return fmt.Errorf("ptx/index.txt is stale for %s: run go generate", e)
			}
		}
		return nil
	}
	return errors.New("no prebuilt PTX for " + u.File + ": run go generate in backend/cuda/kernels")
}
