package dl

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ebitengine/purego"
)

// libcPath returns the C library this process has loaded (purego needs it),
// to stand in for an NVIDIA library in fake directory trees.
func libcPath(t *testing.T) string {
	t.Helper()
	h, err := purego.Dlopen("libc.so.6", purego.RTLD_NOW)
	if err != nil {
		t.Fatalf("dlopen libc.so.6: %v", err)
	}
	addr, err := purego.Dlsym(h, "getpid")
	if err != nil {
		t.Fatal(err)
	}
	p := mappedFile(addr)
	if p == "" || !strings.Contains(filepath.Base(p), "libc") {
		t.Fatalf("mappedFile(getpid) = %q, want the C library", p)
	}
	return p
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	mkdirs(t, filepath.Dir(path))
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFindSkipsBrokenFilesAndRecordsWhy(t *testing.T) {
	root := t.TempDir()
	libc := libcPath(t)
	junk := filepath.Join(root, "ld", "libfake.so.2")
	writeFile(t, junk, "this is not an ELF file, but it is long enough to have a header.......")
	good := filepath.Join(root, "usr/local/cuda/lib64/libfake.so.1")
	mkdirs(t, filepath.Dir(good))
	if err := os.Symlink(libc, good); err != nil {
		t.Fatal(err)
	}
	spec := Spec{Name: "libfake", Env: "EMBER_FAKE", Sonames: []string{"libfake.so.2", "libfake.so.1"}, Probe: "getpid"}
	env := fakeEnv(root, "", map[string]string{"LD_LIBRARY_PATH": filepath.Join(root, "ld")})

	lib, err := Find(spec, env)
	if err != nil {
		t.Fatalf("Find: %v", err)
	}
	realLibc, _ := filepath.EvalSymlinks(libc)
	if lib.Path != realLibc {
		t.Errorf("Path = %q, want %q", lib.Path, realLibc)
	}
	byPath := map[string]Attempt{}
	for _, a := range lib.Report.Attempts {
		byPath[a.Path] = a
	}
	if a := byPath[junk]; !strings.Contains(a.Err, "dlopen") || a.Source != FromLDPath {
		t.Errorf("junk file attempt = %+v, want a dlopen failure from %s", a, FromLDPath)
	}
	if a := byPath[filepath.Join(root, "ld", "libfake.so.1")]; a.Err != "no such file" {
		t.Errorf("missing file attempt = %+v, want \"no such file\"", a)
	}
	if a := byPath["libfake.so.2"]; a.Source != FromLoader || a.Err != "not known to the system loader" {
		t.Errorf("loader attempt = %+v", a)
	}
	last := lib.Report.Attempts[len(lib.Report.Attempts)-1]
	if last.Path != good || last.Err != "" || lib.Report.Chosen != realLibc {
		t.Errorf("last attempt = %+v, chosen %q; want success at %s", last, lib.Report.Chosen, good)
	}
	if p, err := lib.Sym("getpid"); err != nil || p == 0 {
		t.Errorf("Sym(getpid) = %#x, %v", p, err)
	}
}

func TestFindOverrideWinsAndFailsPrecisely(t *testing.T) {
	root := t.TempDir()
	libc := libcPath(t)
	// A valid library in a searched place must not be used when the
	// override names another file.
	good := filepath.Join(root, "usr/local/cuda/lib64/libfake.so.1")
	mkdirs(t, filepath.Dir(good))
	if err := os.Symlink(libc, good); err != nil {
		t.Fatal(err)
	}
	spec := Spec{Name: "libfake", Env: "EMBER_FAKE", Sonames: []string{"libfake.so.1"}, Probe: "getpid"}
	missing := filepath.Join(root, "nowhere", "libfake.so.1")
	_, err := Find(spec, fakeEnv(root, "", map[string]string{"EMBER_FAKE": missing}))
	var nf *NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("err = %v, want *NotFoundError", err)
	}
	want := "libfake not found: " + missing + " (override EMBER_FAKE): no such file"
	if err.Error() != want {
		t.Errorf("error = %q\nwant    %q", err.Error(), want)
	}

	// The override pointing at a working file is used as given.
	lib, err := Find(spec, fakeEnv(root, "", map[string]string{"EMBER_FAKE": good}))
	if err != nil {
		t.Fatal(err)
	}
	if len(lib.Report.Attempts) != 1 || lib.Report.Attempts[0].Source != FromOverride+" EMBER_FAKE" {
		t.Errorf("attempts = %+v, want the override only", lib.Report.Attempts)
	}
}

func TestFindRejectsLibraryWithoutProbe(t *testing.T) {
	root := t.TempDir()
	stub := filepath.Join(root, "usr/lib/wsl/lib/libfake.so.1")
	mkdirs(t, filepath.Dir(stub))
	if err := os.Symlink(libcPath(t), stub); err != nil {
		t.Fatal(err)
	}
	spec := Spec{Name: "libfake", Sonames: []string{"libfake.so.1"}, Probe: "ember_no_such_symbol"}
	_, err := Find(spec, fakeEnv(root, "", map[string]string{}))
	var nf *NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("err = %v, want *NotFoundError", err)
	}
	if !strings.Contains(err.Error(), stub+": opened, but it does not export ember_no_such_symbol") {
		t.Errorf("error %q does not name the stub and the missing symbol", err)
	}
}

func TestMissingLibraryReportListsEveryPlace(t *testing.T) {
	root := t.TempDir()
	env := fakeEnv(root, "", map[string]string{})
	_, err := Find(Spec{Name: "libnone", Env: "EMBER_NONE", Sonames: []string{"libnone.so.7"}}, env)
	var nf *NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("err = %v, want *NotFoundError", err)
	}
	cands := Candidates(Spec{Sonames: []string{"libnone.so.7"}}, env)
	if len(nf.Report.Attempts) != len(cands) {
		t.Fatalf("%d attempts, want one per candidate (%d)", len(nf.Report.Attempts), len(cands))
	}
	text := nf.Report.String()
	for _, c := range cands {
		if !strings.Contains(text, c.Path) {
			t.Errorf("report lacks %s", c.Path)
		}
	}
	if !strings.HasPrefix(text, "libnone: not found\n") || !strings.Contains(text, "hint: set EMBER_NONE") {
		t.Errorf("report:\n%s", text)
	}
	if want := "libnone not found in 8 places (set EMBER_NONE to the library file)"; err.Error() != want {
		// loader, /usr/local/cuda/lib64, five system dirs, WSL
		t.Errorf("error = %q, want %q", err, want)
	}
}

func TestBindNamesMissingSymbols(t *testing.T) {
	root := t.TempDir()
	p := filepath.Join(root, "usr/lib64/libfake.so.1")
	mkdirs(t, filepath.Dir(p))
	if err := os.Symlink(libcPath(t), p); err != nil {
		t.Fatal(err)
	}
	lib, err := Find(Spec{Name: "libfake", Sonames: []string{"libfake.so.1"}}, fakeEnv(root, "", map[string]string{}))
	if err != nil {
		t.Fatal(err)
	}
	addrs := make([]uintptr, 3)
	err = lib.Bind([]string{"getpid", "ember_missing_a", "ember_missing_b"}, addrs)
	var ms *MissingSymbolsError
	if !errors.As(err, &ms) {
		t.Fatalf("err = %v, want *MissingSymbolsError", err)
	}
	if strings.Join(ms.Symbols, ",") != "ember_missing_a,ember_missing_b" {
		t.Errorf("missing = %v", ms.Symbols)
	}
	if addrs[0] == 0 || addrs[1] != 0 || addrs[2] != 0 {
		t.Errorf("addrs = %#x", addrs)
	}
}

func TestFindBesideTriesTheSiblingFolderFirst(t *testing.T) {
	root := t.TempDir()
	libc := libcPath(t)
	sib := filepath.Join(root, "wheel", "libfake.so.3")
	sys := filepath.Join(root, "usr/lib64/libfake.so.3")
	mkdirs(t, filepath.Dir(sib), filepath.Dir(sys))
	for _, p := range []string{sib, sys} {
		if err := os.Symlink(libc, p); err != nil {
			t.Fatal(err)
		}
	}
	spec := Spec{Name: "libfake", Env: "EMBER_FAKE", Sonames: []string{"libfake.so.3"}, Probe: "getpid"}
	lt := &Library{Name: "libfakeLt", Path: filepath.Join(root, "wheel", "libfakeLt.so.3")}
	lib, err := find(spec, fakeEnv(root, "", map[string]string{}), besideCandidates(spec, lt))
	if err != nil {
		t.Fatal(err)
	}
	first := lib.Report.Attempts[0]
	if len(lib.Report.Attempts) != 1 || first.Path != sib || first.Source != "beside libfakeLt" {
		t.Errorf("attempts = %+v, want the sibling folder first and only", lib.Report.Attempts)
	}
	// An override still wins over the sibling folder.
	lib, err = find(spec, fakeEnv(root, "", map[string]string{"EMBER_FAKE": sys}), besideCandidates(spec, lt))
	if err != nil {
		t.Fatal(err)
	}
	if a := lib.Report.Attempts; len(a) != 1 || a[0].Path != sys {
		t.Errorf("attempts = %+v, want only the override", a)
	}
}
