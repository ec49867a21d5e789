package dl

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// fakeEnv builds an Env over a map of variables, with system paths under root.
func fakeEnv(root, home string, vars map[string]string) Env {
	return Env{Getenv: func(k string) string { return vars[k] }, Home: home, Root: root, Multiarch: "x86_64-linux-gnu"}
}

func mkdirs(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCandidatesOrder(t *testing.T) {
	root := t.TempDir()
	home := filepath.Join(root, "home")
	venv := filepath.Join(root, "venv")
	mkdirs(t,
		filepath.Join(root, "/usr/local/cuda-11.8"),
		filepath.Join(root, "/usr/local/cuda-12.10"),
		filepath.Join(root, "/usr/local/cuda-12.9"),
		filepath.Join(venv, "lib/python3.9/site-packages"),
		filepath.Join(venv, "lib/python3.12/site-packages"),
		filepath.Join(home, ".local/lib/python3.11/site-packages"),
	)
	env := fakeEnv(root, home, map[string]string{
		"EMBER_CUDA_PATH": "/ember",
		"LD_LIBRARY_PATH": "/ld1::/ld2",
		"CUDA_HOME":       "/cudahome",
		"VIRTUAL_ENV":     venv,
	})
	spec := Spec{Name: "libx", Env: "EMBER_X", Sonames: []string{"libx.so.2", "libx.so.1"}, Wheels: []string{"nvidia/x/lib"}}
	var want []string
	add := func(source string, dirs ...string) {
		for _, d := range dirs {
			want = append(want, source+" "+filepath.Join(d, "libx.so.2"), source+" "+filepath.Join(d, "libx.so.1"))
		}
	}
	add(FromEmberPath, "/ember", "/ember/lib64", "/ember/lib")
	add(FromLDPath, "/ld1", "/ld2")
	want = append(want, FromLoader+" libx.so.2", FromLoader+" libx.so.1")
	add("CUDA_HOME", "/cudahome/lib64", "/cudahome/lib")
	add(FromToolkit, root+"/usr/local/cuda/lib64", root+"/usr/local/cuda-12.10/lib64",
		root+"/usr/local/cuda-12.9/lib64", root+"/usr/local/cuda-11.8/lib64")
	add(FromSystem, root+"/usr/lib/x86_64-linux-gnu/nvidia/current", root+"/usr/lib/x86_64-linux-gnu",
		root+"/lib/x86_64-linux-gnu", root+"/usr/lib64", root+"/usr/lib")
	add(FromWSL, root+"/usr/lib/wsl/lib")
	add(FromPipWheel, venv+"/lib/python3.12/site-packages/nvidia/x/lib", venv+"/lib/python3.9/site-packages/nvidia/x/lib",
		home+"/.local/lib/python3.11/site-packages/nvidia/x/lib", root+"/usr/lib/python3/dist-packages/nvidia/x/lib")

	var got []string
	for _, c := range Candidates(spec, env) {
		got = append(got, c.Source+" "+c.Path)
	}
	if !slices.Equal(got, want) {
		t.Errorf("candidates:\n got %q\nwant %q", got, want)
	}
}

func TestCandidatesOverrideIsExclusive(t *testing.T) {
	env := fakeEnv(t.TempDir(), "", map[string]string{"EMBER_NVRTC": "/opt/my/libnvrtc.so", "LD_LIBRARY_PATH": "/x"})
	got := Candidates(NVRTC, env)
	want := []Candidate{{Path: "/opt/my/libnvrtc.so", Source: FromOverride + " EMBER_NVRTC"}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestCandidatesDeduplicates(t *testing.T) {
	root := t.TempDir()
	env := fakeEnv(root, "", map[string]string{"LD_LIBRARY_PATH": root + "/usr/lib/wsl/lib:" + root + "/usr/lib/wsl/lib"})
	n := 0
	for _, c := range Candidates(Driver, env) {
		if c.Path == root+"/usr/lib/wsl/lib/libcuda.so.1" {
			n++
			if c.Source != FromLDPath {
				t.Errorf("first occurrence should come from %s, got %s", FromLDPath, c.Source)
			}
		}
	}
	if n != 1 {
		t.Errorf("path listed %d times, want once", n)
	}
}

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"cuda-12.10", "cuda-12.9", 1},
		{"cuda-11.8", "cuda-12.0", -1},
		{"python3.12", "python3.9", 1},
		{"cuda-12.4", "cuda-12.4", 0},
		{"cuda-12", "cuda-12.1", -1},
		{"a", "b", -1},
	}
	for _, tt := range tests {
		if got := compareVersions(tt.a, tt.b); got != tt.want {
			t.Errorf("compareVersions(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
