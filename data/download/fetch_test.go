package download

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// payload is the file the test servers serve.
var payload = func() []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 200_000)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}()

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// server records the requests it gets and answers with handle.
type server struct {
	*httptest.Server
	mu     sync.Mutex
	ranges []string // Range header of each request, "" when absent
}

func newServer(t *testing.T, handle func(n int, w http.ResponseWriter, r *http.Request)) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.ranges = append(s.ranges, r.Header.Get("Range"))
		n := len(s.ranges)
		s.mu.Unlock()
		handle(n, w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ranges...)
}

// serveFile answers with payload, honouring Range like a static file server.
func serveFile(w http.ResponseWriter, r *http.Request) {
	http.ServeContent(w, r, "f.bin", time.Unix(0, 0), bytes.NewReader(payload))
}

// quiet returns a Downloader with short backoff and no output.
func quiet() *Downloader {
	return &Downloader{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, Progress: ProgressOff, Logger: slog.New(slog.DiscardHandler)}
}

// checkResult asserts that path holds payload and no .part file is left.
func checkResult(t *testing.T, path string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, payload) {
		t.Fatalf("file holds %d bytes, not the payload", len(got))
	}
	if _, err := os.Stat(path + ".part"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf(".part file left behind: %v", err)
	}
	if _, err := os.Stat(path + ".lock"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf(".lock file left behind: %v", err)
	}
}

func TestFetch(t *testing.T) {
	tests := []struct {
		name       string
		handle     func(n int, w http.ResponseWriter, r *http.Request)
		partPrefix []byte   // content of a .part file before the call
		wantRanges []string // Range headers the server must see
	}{
		{
			name:       "normal",
			handle:     func(n int, w http.ResponseWriter, r *http.Request) { serveFile(w, r) },
			wantRanges: []string{""},
		},
		{
			name: "truncated then resumed",
			handle: func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 { // promise everything, send 70000 bytes, drop the connection
					w.Header().Set("Content-Length", fmt.Sprint(len(payload)))
					w.Write(payload[:70000])
					return
				}
				serveFile(w, r)
			},
			wantRanges: []string{"", "bytes=70000-"},
		},
		{
			name:       "resume from an earlier run",
			handle:     func(n int, w http.ResponseWriter, r *http.Request) { serveFile(w, r) },
			partPrefix: payload[:12345],
			wantRanges: []string{"bytes=12345-"},
		},
		{
			name: "server ignores Range",
			handle: func(n int, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", fmt.Sprint(len(payload)))
				w.Write(payload)
			},
			partPrefix: bytes.Repeat([]byte{0xAA}, 5000), // wrong bytes, overwritten from the start
			wantRanges: []string{"bytes=5000-"},
		},
		{
			name:       "corrupt part restarts once",
			handle:     func(n int, w http.ResponseWriter, r *http.Request) { serveFile(w, r) },
			partPrefix: bytes.Repeat([]byte{0x55}, 9000),
			wantRanges: []string{"bytes=9000-", ""},
		},
		{
			name: "complete part answered with 416",
			handle: func(n int, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", len(payload)))
				w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
			},
			partPrefix: payload,
			wantRanges: []string{fmt.Sprintf("bytes=%d-", len(payload))},
		},
		{
			name: "server errors retried",
			handle: func(n int, w http.ResponseWriter, r *http.Request) {
				if n <= 2 {
					http.Error(w, "busy", http.StatusServiceUnavailable)
					return
				}
				serveFile(w, r)
			},
			wantRanges: []string{"", "", ""},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, tc.handle)
			path := filepath.Join(t.TempDir(), "f.bin")
			if tc.partPrefix != nil {
				os.WriteFile(path+".part", tc.partPrefix, 0o644)
			}
			if err := quiet().Fetch(context.Background(), srv.URL+"/f.bin", path, sum(payload)); err != nil {
				t.Fatal(err)
			}
			checkResult(t, path)
			if got := srv.requests(); strings.Join(got, "|") != strings.Join(tc.wantRanges, "|") {
				t.Errorf("requests had Range %q, want %q", got, tc.wantRanges)
			}
		})
	}
}

func TestFetchKeepsGoodFileAndReplacesBadOne(t *testing.T) {
	srv := newServer(t, func(n int, w http.ResponseWriter, r *http.Request) { serveFile(w, r) })
	path := filepath.Join(t.TempDir(), "f.bin")
	os.WriteFile(path, payload, 0o644)
	if err := quiet().Fetch(context.Background(), srv.URL, path, sum(payload)); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.requests()); n != 0 {
		t.Errorf("a verified file caused %d requests", n)
	}
	os.WriteFile(path, []byte("stale"), 0o644)
	if err := quiet().Fetch(context.Background(), srv.URL, path, strings.ToUpper(sum(payload))); err != nil {
		t.Fatal(err)
	}
	checkResult(t, path)
	if n := len(srv.requests()); n != 1 {
		t.Errorf("a bad cached file caused %d requests, want 1", n)
	}
}

func TestFetchErrors(t *testing.T) {
	wrong := sum([]byte("something else"))
	tests := []struct {
		name     string
		handle   func(n int, w http.ResponseWriter, r *http.Request)
		sha      string
		check    func(t *testing.T, err error)
		requests int
	}{
		{
			name:   "wrong checksum",
			handle: func(n int, w http.ResponseWriter, r *http.Request) { serveFile(w, r) },
			sha:    wrong,
			check: func(t *testing.T, err error) {
				var ce *ChecksumError
				if !errors.As(err, &ce) || ce.Want != wrong || ce.Got != sum(payload) {
					t.Fatalf("error = %v, want *ChecksumError with both sums", err)
				}
				if !strings.Contains(err.Error(), "SHA-256 mismatch: got "+sum(payload)+", want "+wrong+" (the file was removed)") {
					t.Errorf("message = %q", err)
				}
			},
			requests: 1,
		},
		{
			name:   "404 is not retried",
			handle: func(n int, w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) },
			sha:    sum(payload),
			check: func(t *testing.T, err error) {
				var he *HTTPError
				if !errors.As(err, &he) || he.StatusCode != 404 || !strings.Contains(err.Error(), "404 Not Found") {
					t.Fatalf("error = %v, want HTTPError 404", err)
				}
			},
			requests: 1,
		},
		{
			name:   "persistent 500 gives up",
			handle: func(n int, w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 500) },
			sha:    sum(payload),
			check: func(t *testing.T, err error) {
				if err == nil || !strings.Contains(err.Error(), "giving up after 3 attempts") || !strings.Contains(err.Error(), "500 Internal Server Error") {
					t.Fatalf("error = %v", err)
				}
			},
			requests: 3,
		},
		{
			name:   "bad checksum argument",
			handle: func(n int, w http.ResponseWriter, r *http.Request) { serveFile(w, r) },
			sha:    "abc",
			check: func(t *testing.T, err error) {
				if err == nil || !strings.Contains(err.Error(), `"abc" is not a hex SHA-256`) {
					t.Fatalf("error = %v", err)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, tc.handle)
			dir := t.TempDir()
			path := filepath.Join(dir, "f.bin")
			d := quiet()
			d.Retries = 2
			err := d.Fetch(context.Background(), srv.URL+"/f.bin", path, tc.sha)
			tc.check(t, err)
			if n := len(srv.requests()); n != tc.requests {
				t.Errorf("%d requests, want %d", n, tc.requests)
			}
			if entries, _ := os.ReadDir(dir); len(entries) > 1 || (len(entries) == 1 && entries[0].Name() != "f.bin.lock") {
				t.Errorf("left behind: %v", entries)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("destination exists after a failure")
			}
		})
	}
}

// TestFetchCancelSlowServer cancels a download from a server that trickles
// bytes; Fetch must return promptly and leave no goroutine behind.
func TestFetchCancelSlowServer(t *testing.T) {
	before := runtime.NumGoroutine()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(payload)))
		for i := 0; i < len(payload); i++ {
			if _, err := w.Write(payload[i : i+1]); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}))
	client := &http.Client{Transport: &http.Transport{}}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	path := filepath.Join(t.TempDir(), "f.bin")
	d := quiet()
	d.Client = client
	start := time.Now()
	err := d.Fetch(ctx, srv.URL, path, sum(payload))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want context.DeadlineExceeded", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("Fetch took %v after cancellation", el)
	}
	if info, err := os.Stat(path + ".part"); err != nil || info.Size() == 0 {
		t.Errorf("the partial download should stay for a later resume: %v", err)
	}
	client.CloseIdleConnections()
	srv.Close()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines after, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

// TestFetchConcurrentSameFile starts several downloads of one destination at
// once: all succeed and the server sends the file once.
func TestFetchConcurrentSameFile(t *testing.T) {
	srv := newServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		time.Sleep(30 * time.Millisecond)
		serveFile(w, r)
	})
	path := filepath.Join(t.TempDir(), "f.bin")
	var wg sync.WaitGroup
	var failures atomic.Int32
	for i := 0; i < 8; i++ {
		wg.Go(func() {
			if err := quiet().Fetch(context.Background(), srv.URL, path, sum(payload)); err != nil {
				t.Error(err)
				failures.Add(1)
			}
		})
	}
	wg.Wait()
	if failures.Load() == 0 {
		checkResult(t, path)
	}
	if n := len(srv.requests()); n != 1 {
		t.Errorf("server got %d requests, want 1", n)
	}
}

// TestFileLockExcludes checks the cross-process lock: a second lock on the
// same file (a separate open file, as another process would have) waits.
func TestFileLockExcludes(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.lock")
	unlock, err := fileLock(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Millisecond)
	defer cancel()
	if _, err := fileLock(ctx, p); runtime.GOOS == "linux" && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second lock: err = %v, want to wait until the deadline", err)
	}
	unlock(true)
	unlock2, err := fileLock(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	unlock2(true)
}

func TestFetchToDir(t *testing.T) {
	srv := newServer(t, func(n int, w http.ResponseWriter, r *http.Request) { serveFile(w, r) })
	dir := filepath.Join(t.TempDir(), "cache", "sub")
	p, err := quiet().FetchToDir(context.Background(), srv.URL+"/data/train.bin?x=1", dir, sum(payload))
	if err != nil {
		t.Fatal(err)
	}
	if p != filepath.Join(dir, "train.bin") {
		t.Errorf("path = %s", p)
	}
	checkResult(t, p)
	if _, err := quiet().FetchToDir(context.Background(), srv.URL+"/", dir, sum(payload)); err == nil || !strings.Contains(err.Error(), "names no file") {
		t.Errorf("URL without a file name: %v", err)
	}
}

func TestProgressOutput(t *testing.T) {
	srv := newServer(t, func(n int, w http.ResponseWriter, r *http.Request) { serveFile(w, r) })
	var logs bytes.Buffer
	d := &Downloader{Progress: ProgressAuto, Output: &bytes.Buffer{}, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	if err := d.Fetch(context.Background(), srv.URL, filepath.Join(t.TempDir(), "a.bin"), sum(payload)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"download started", "total_bytes=200000", "download finished", "bytes=200000"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log (not a terminal) lacks %q:\n%s", want, logs.String())
		}
	}
	var bar bytes.Buffer
	d = &Downloader{Progress: ProgressBar, Output: &bar, Logger: slog.New(slog.DiscardHandler)}
	if err := d.Fetch(context.Background(), srv.URL, filepath.Join(t.TempDir(), "b.bin"), sum(payload)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(bar.String(), "b.bin") || !strings.Contains(bar.String(), "100%") {
		t.Errorf("bar output = %q", bar.String())
	}
}

func TestParseContentRange(t *testing.T) {
	tests := []struct {
		in          string
		start, size int64
		ok          bool
	}{
		{"bytes 100-199/200", 100, 200, true},
		{"bytes 0-0/*", 0, -1, true},
		{"bytes 100-99/200", 0, 0, false},
		{"bytes 100-199/150", 0, 0, false},
		{"items 1-2/3", 0, 0, false},
		{"bytes 1-2", 0, 0, false},
		{"bytes x-2/3", 0, 0, false},
	}
	for _, tc := range tests {
		start, size, ok := parseContentRange(tc.in)
		if start != tc.start || size != tc.size || ok != tc.ok {
			t.Errorf("parseContentRange(%q) = %d %d %v, want %d %d %v", tc.in, start, size, ok, tc.start, tc.size, tc.ok)
		}
	}
	if _, size, ok := parseUnsatisfiedRange("bytes */500"); !ok || size != 500 {
		t.Errorf("parseUnsatisfiedRange = %d %v", size, ok)
	}
}

func TestBackoff(t *testing.T) {
	j := &job{d: &Downloader{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}}
	tests := []struct {
		attempt  int
		retry    time.Duration
		min, max time.Duration
	}{
		{0, 0, 50 * time.Millisecond, 100 * time.Millisecond},
		{2, 0, 200 * time.Millisecond, 400 * time.Millisecond},
		{10, 0, 500 * time.Millisecond, time.Second},
		{0, 700 * time.Millisecond, 700 * time.Millisecond, 700 * time.Millisecond},
		{0, time.Hour, time.Second, time.Second},
	}
	for _, tc := range tests {
		j.retryWait = tc.retry
		for i := 0; i < 50; i++ {
			if d := j.backoff(tc.attempt); d < tc.min || d > tc.max {
				t.Fatalf("backoff(%d) with Retry-After %v = %v, want in [%v, %v]", tc.attempt, tc.retry, d, tc.min, tc.max)
			}
		}
	}
}
