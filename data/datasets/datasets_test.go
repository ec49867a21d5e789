package datasets

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emberdl/ember/data/download"
	"github.com/emberdl/ember/data/idx"
)

// sampleExpected is what testdata/gen/fmnist_sample.py recorded with numpy.
type sampleExpected struct {
	Count          int     `json:"count"`
	LabelHistogram []int   `json:"label_histogram"`
	PixelSum       int64   `json:"pixel_sum"`
	FirstImageSums []int64 `json:"first_image_sums"`
	FirstLabels    []uint8 `json:"first_labels"`
	ImagesSHA256   string  `json:"images_sha256"`
	LabelsSHA256   string  `json:"labels_sha256"`
}

func hexSum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func TestFashionMNISTSample(t *testing.T) {
	raw, err := os.ReadFile("testdata/fmnist-sample-expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var exp map[string]sampleExpected
	if err := json.Unmarshal(raw, &exp); err != nil {
		t.Fatal(err)
	}
	d, err := FashionMNISTSample()
	if err != nil {
		t.Fatal(err)
	}
	if d.Channels != 1 || d.Height != 28 || d.Width != 28 || len(d.Classes) != 10 || d.Classes[9] != "Ankle boot" {
		t.Errorf("shape %d×%d×%d, classes %v", d.Channels, d.Height, d.Width, d.Classes)
	}
	for split, got := range map[string][2][]uint8{"train": {d.TrainImages, d.TrainLabels}, "test": {d.TestImages, d.TestLabels}} {
		e := exp[split]
		images, labels := got[0], got[1]
		if len(labels) != e.Count || len(images) != e.Count*784 {
			t.Fatalf("%s: %d labels, %d image bytes; want %d images", split, len(labels), len(images), e.Count)
		}
		if hexSum(images) != e.ImagesSHA256 || hexSum(labels) != e.LabelsSHA256 {
			t.Errorf("%s: array checksums differ from numpy's", split)
		}
		hist := make([]int, 10)
		for _, l := range labels {
			hist[l]++
		}
		if !slices.Equal(hist, e.LabelHistogram) {
			t.Errorf("%s: label histogram %v, want %v", split, hist, e.LabelHistogram)
		}
		var total int64
		for _, p := range images {
			total += int64(p)
		}
		if total != e.PixelSum {
			t.Errorf("%s: pixel sum %d, want %d", split, total, e.PixelSum)
		}
		for i, want := range e.FirstImageSums {
			var s int64
			for _, p := range images[i*784 : (i+1)*784] {
				s += int64(p)
			}
			if s != want || labels[i] != e.FirstLabels[i] {
				t.Errorf("%s image %d: sum %d label %d, want %d %d", split, i, s, labels[i], want, e.FirstLabels[i])
			}
		}
	}
}

// writeMNIST writes a tiny MNIST-style dataset with n training and 1 test
// image into dir; every training label is mark so tests can tell copies apart.
func writeMNIST(t *testing.T, dir string, n int, mark uint8, gz bool) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, count := range []int{n, 1} {
		images := make([]byte, count*784)
		for j := range images {
			images[j] = byte(j % 251)
		}
		labels := make([]byte, count)
		for j := range labels {
			labels[j] = mark
		}
		for k, f := range []*idx.File{{DType: idx.Uint8, Dims: []int{count, 28, 28}, Data: images}, {DType: idx.Uint8, Dims: []int{count}, Data: labels}} {
			name := mnistFiles[2*i+k]
			if !gz {
				name = strings.TrimSuffix(name, ".gz")
			}
			if err := idx.WriteFile(filepath.Join(dir, name), f); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// testOptions isolates a test from the real environment.
func testOptions(root string, env map[string]string) Options {
	return Options{
		getenv:     func(k string) string { return env[k] },
		systemDirs: []string{filepath.Join(root, "system")},
		cacheRoot:  func() (string, error) { return filepath.Join(root, "cache"), nil },
	}
}

func TestSearchOrder(t *testing.T) {
	root := t.TempDir()
	explicit := filepath.Join(root, "explicit")
	envRoot := filepath.Join(root, "env")
	writeMNIST(t, explicit, 2, 1, true)
	writeMNIST(t, filepath.Join(envRoot, "fashion-mnist"), 3, 2, false)
	writeMNIST(t, filepath.Join(root, "cache", "ember", "datasets", "fashion-mnist"), 4, 3, true)
	writeMNIST(t, filepath.Join(root, "system"), 5, 4, true)

	steps := []struct {
		name    string
		opts    func() Options
		remove  string // directory removed before this step
		wantN   int
		wantSrc string
	}{
		{"explicit directory first", func() Options {
			o := testOptions(root, map[string]string{EnvVar: envRoot})
			o.Dir = explicit
			return o
		}, "", 2, explicit},
		{"then $EMBER_DATA", func() Options { return testOptions(root, map[string]string{EnvVar: envRoot}) }, "", 3, filepath.Join(envRoot, "fashion-mnist")},
		{"then the user cache", func() Options { return testOptions(root, nil) }, "", 4, filepath.Join(root, "cache", "ember", "datasets", "fashion-mnist")},
		{"then system packages", func() Options { return testOptions(root, nil) }, filepath.Join(root, "cache"), 5, filepath.Join(root, "system")},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.remove != "" {
				os.RemoveAll(st.remove)
			}
			d, err := Load(context.Background(), "FMNIST", st.opts())
			if err != nil {
				t.Fatal(err)
			}
			if d.NumTrain() != st.wantN || d.NumTest() != 1 || d.Source != st.wantSrc || d.Name != "fashion-mnist" {
				t.Errorf("got %d training images from %s, want %d from %s", d.NumTrain(), d.Source, st.wantN, st.wantSrc)
			}
		})
	}
}

// TestExplicitSubdirectory finds <dir>/<name> under an explicit directory.
func TestExplicitSubdirectory(t *testing.T) {
	root := t.TempDir()
	writeMNIST(t, filepath.Join(root, "data", "mnist"), 2, 7, true)
	opts := testOptions(root, nil)
	opts.Dir = filepath.Join(root, "data")
	d, err := Load(context.Background(), "mnist", opts)
	if err != nil {
		t.Fatal(err)
	}
	if d.NumTrain() != 2 || d.TrainLabels[0] != 7 || d.Classes[7] != "7" {
		t.Errorf("got %d images, label %d", d.NumTrain(), d.TrainLabels[0])
	}
}

func TestNotFoundListsEveryPlace(t *testing.T) {
	root := t.TempDir()
	partial := filepath.Join(root, "partial")
	writeMNIST(t, partial, 2, 1, true)
	os.Remove(filepath.Join(partial, mnistFiles[3]))
	broken := filepath.Join(root, "env", "fashion-mnist")
	writeMNIST(t, broken, 2, 1, true)
	os.WriteFile(filepath.Join(broken, mnistFiles[1]), []byte("not idx"), 0o644)
	opts := testOptions(root, map[string]string{EnvVar: filepath.Join(root, "env")})
	opts.Dir = partial
	_, err := Load(context.Background(), "fashion-mnist", opts)
	var nf *NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("error = %v, want *NotFoundError", err)
	}
	want := []string{
		"datasets: fashion-mnist not found; looked in:",
		"  " + partial + " (explicit directory): lacks t10k-labels-idx1-ubyte.gz",
		"  " + filepath.Join(partial, "fashion-mnist") + " (explicit directory): does not exist",
		"  " + broken + " (" + "$EMBER_DATA): datasets: idx: bad magic number 6e6f7420",
		"  " + filepath.Join(root, "cache", "ember", "datasets", "fashion-mnist") + " (user cache): does not exist",
		"  " + filepath.Join(root, "system") + " (system package): does not exist",
		"downloading is off (Options.Download)",
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(want) {
		t.Fatalf("error has %d lines, want %d:\n%s", len(lines), len(want), err)
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("line %d = %q, want prefix %q", i, lines[i], want[i])
		}
	}
	// Without EMBER_DATA and a cache directory the places say so.
	opts = testOptions(root, nil)
	opts.cacheRoot = func() (string, error) { return "", errors.New("no home") }
	_, err = Load(context.Background(), "cifar10", opts)
	for _, w := range []string{"(none) ($EMBER_DATA): not set", "(none) (user cache): not set", "cifar-10 not found"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error %v lacks %q", err, w)
		}
	}
}

// mirrorServer serves files under /good/ and 404s under /bad/.
func mirrorServer(t *testing.T, files map[string][]byte) (*httptest.Server, *[]string) {
	t.Helper()
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		name, ok := strings.CutPrefix(r.URL.Path, "/good/")
		data, found := files[name]
		if !ok || !found {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, name, time.Time{}, strings.NewReader(string(data)))
	}))
	t.Cleanup(srv.Close)
	return srv, &paths
}

func TestDownload(t *testing.T) {
	root := t.TempDir()
	src := filepath.Join(root, "src")
	writeMNIST(t, src, 3, 5, true)
	files := map[string][]byte{}
	spec := *FashionMNIST
	spec.Files = nil
	for _, name := range mnistFiles {
		b, _ := os.ReadFile(filepath.Join(src, name))
		files[name] = b
		spec.Files = append(spec.Files, File{Name: name, SHA256: hexSum(b), Size: int64(len(b))})
	}
	srv, paths := mirrorServer(t, files)
	spec.Mirrors = []string{srv.URL + "/bad/", srv.URL + "/good/"}
	dl := &download.Downloader{Progress: download.ProgressOff, Logger: slog.New(slog.DiscardHandler), BaseDelay: time.Millisecond}

	envRoot := filepath.Join(root, "env")
	opts := testOptions(root, map[string]string{EnvVar: envRoot})
	opts.Download, opts.Downloader = true, dl
	d, err := spec.Load(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	wantDir := filepath.Join(envRoot, "fashion-mnist")
	if d.Source != wantDir || d.NumTrain() != 3 || d.TrainLabels[2] != 5 {
		t.Errorf("got %d images from %s, want 3 from %s", d.NumTrain(), d.Source, wantDir)
	}
	if len(*paths) != 8 || (*paths)[0] != "/bad/"+mnistFiles[0] || (*paths)[1] != "/good/"+mnistFiles[0] {
		t.Errorf("requests = %v, want each file tried on the bad mirror then the good one", *paths)
	}
	// Found now without the network.
	*paths = nil
	if _, err := spec.Load(context.Background(), opts); err != nil || len(*paths) != 0 {
		t.Errorf("second load: err %v, %d requests", err, len(*paths))
	}

	// Without EMBER_DATA the download goes to the user cache.
	opts = testOptions(filepath.Join(root, "other"), nil)
	opts.Download, opts.Downloader = true, dl
	d, err = spec.Load(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "other", "cache", "ember", "datasets", "fashion-mnist"); d.Source != want {
		t.Errorf("downloaded to %s, want %s", d.Source, want)
	}
}

func TestDownloadFailure(t *testing.T) {
	root := t.TempDir()
	srv, _ := mirrorServer(t, map[string][]byte{cifarArchive: []byte("not the archive")})
	spec := *CIFAR10
	spec.Mirrors = []string{srv.URL + "/bad/", srv.URL + "/good/"}
	opts := testOptions(root, nil)
	opts.Download = true
	opts.Downloader = &download.Downloader{Progress: download.ProgressOff, Logger: slog.New(slog.DiscardHandler)}
	_, err := spec.Load(context.Background(), opts)
	var nf *NotFoundError
	var he *download.HTTPError
	var ce *download.ChecksumError
	if !errors.As(err, &nf) || !errors.As(err, &he) || !errors.As(err, &ce) {
		t.Fatalf("error = %v, want NotFoundError wrapping a 404 and a checksum error", err)
	}
	for _, w := range []string{"cifar-10 not found", "(user cache): does not exist", "download failed: " + cifarArchive + " from every mirror", "404 Not Found", "SHA-256 mismatch"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
}

func TestCIFAR10FromArchiveDir(t *testing.T) {
	root := t.TempDir()
	raw, err := os.ReadFile("../cifar/testdata/mini-cifar-10-binary.tar.gz")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "explicit")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, cifarArchive), raw, 0o644)
	var exp map[string]struct {
		Labels []uint8 `json:"labels"`
	}
	b, _ := os.ReadFile("../cifar/testdata/mini-expected.json")
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatal(err)
	}
	opts := testOptions(root, nil)
	opts.Dir = dir
	d, err := Load(context.Background(), "CIFAR-10", opts)
	if err != nil {
		t.Fatal(err)
	}
	if d.NumTrain() != 15 || d.NumTest() != 3 || d.Channels != 3 || d.ImageSize() != 3072 || d.Classes[0] != "airplane" {
		t.Errorf("got %d/%d images of %d bytes", d.NumTrain(), d.NumTest(), d.ImageSize())
	}
	if !slices.Equal(d.TrainLabels[:3], exp["data_batch_1.bin"].Labels) || !slices.Equal(d.TestLabels, exp["test_batch.bin"].Labels) {
		t.Errorf("labels %v / %v", d.TrainLabels, d.TestLabels)
	}
}

func TestFind(t *testing.T) {
	tests := []struct{ in, want string }{
		{"fashion-mnist", "fashion-mnist"}, {"FMNIST", "fashion-mnist"}, {"fashion_mnist", "fashion-mnist"},
		{"mnist", "mnist"}, {"cifar10", "cifar-10"}, {"CIFAR-10", "cifar-10"},
	}
	for _, tc := range tests {
		s, err := Find(tc.in)
		if err != nil || s.Name != tc.want {
			t.Errorf("Find(%q) = %v, %v; want %s", tc.in, s, err, tc.want)
		}
	}
	if _, err := Find("imagenet"); err == nil || !strings.Contains(err.Error(), `unknown dataset "imagenet" (known: fashion-mnist, mnist, cifar-10)`) {
		t.Errorf("Find(imagenet) error = %v", err)
	}
	for _, s := range All() {
		for _, f := range s.Files {
			if b, err := hex.DecodeString(f.SHA256); err != nil || len(b) != 32 || f.Size <= 0 {
				t.Errorf("%s %s: bad checksum or size", s.Name, f.Name)
			}
		}
		if len(s.Mirrors) == 0 || len(s.Classes) != 10 {
			t.Errorf("%s: %d mirrors, %d classes", s.Name, len(s.Mirrors), len(s.Classes))
		}
	}
}

func TestLabelOutOfRange(t *testing.T) {
	root := t.TempDir()
	writeMNIST(t, root, 2, 10, true)
	_, err := FashionMNIST.ReadDir(root)
	if err == nil || !strings.Contains(err.Error(), "training label 0 is 10, want 0 to 9") {
		t.Errorf("error = %v", err)
	}
}
