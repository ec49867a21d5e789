package download

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/emberdl/ember/internal/atomicfile"
)

// Defaults used when the Downloader fields are zero.
const (
	DefaultRetries   = 5
	DefaultBaseDelay = time.Second
	DefaultMaxDelay  = 30 * time.Second
)

// Downloader fetches files. The zero value is ready to use.
type Downloader struct {
	Client    *http.Client  // nil means http.DefaultClient
	Retries   int           // further attempts after transient failures; 0 means DefaultRetries, negative means none
	BaseDelay time.Duration // backoff before the first retry; doubled each time; 0 means DefaultBaseDelay
	MaxDelay  time.Duration // backoff cap; 0 means DefaultMaxDelay
	Progress  Progress      // how progress is shown
	Output    io.Writer     // where a progress bar is drawn; nil means os.Stderr
	Logger    *slog.Logger  // for log lines; nil means slog.Default()
}

// Fetch downloads rawURL to path with the package's default Downloader.
func Fetch(ctx context.Context, rawURL, path, sha256Hex string) error {
	return (&Downloader{}).Fetch(ctx, rawURL, path, sha256Hex)
}

// FetchToDir downloads rawURL into dir, named after the last element of the
// URL path, and returns the file's path.
func (d *Downloader) FetchToDir(ctx context.Context, rawURL, dir, sha256Hex string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("download: %w", err)
	}
	name := path.Base(u.Path)
	if name == "/" || name == "." || name == "" {
		return "", fmt.Errorf("download: URL %s names no file", rawURL)
	}
	p := filepath.Join(dir, name)
	return p, d.Fetch(ctx, rawURL, p, sha256Hex)
}

// Fetch makes path hold the file at rawURL whose SHA-256 is sha256Hex,
// creating path's directory if needed. An existing file with that checksum is kept as it is; otherwise the file is
// downloaded (resuming path+".part" if present) and verified before being
// renamed to path.
func (d *Downloader) Fetch(ctx context.Context, rawURL, path, sha256Hex string) error {
	want := strings.ToLower(sha256Hex)
	if b, err := hex.DecodeString(want); err != nil || len(b) != sha256.Size {
		return fmt.Errorf("download: %q is not a hex SHA-256", sha256Hex)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("download: %w", err)
	}
	unlock, err := pathLocks.lock(ctx, path)
	if err != nil {
		return fmt.Errorf("download: waiting for another download of %s: %w", path, err)
	}
	defer unlock()
	unlockFile, err := fileLock(ctx, path+".lock")
	if err != nil {
		return err
	}
	done := false
	defer func() { unlockFile(done) }()

	if ok, err := d.verifyExisting(path, want); err != nil || ok {
		done = ok
		return err
	}
	job := &job{d: d, url: rawURL, path: path, part: path + ".part", want: want}
	if err := job.run(ctx); err != nil {
		return err
	}
	done = true
	return nil
}

// verifyExisting reports whether path already holds the right file. A file
// with the wrong checksum is removed.
func (d *Downloader) verifyExisting(path, want string) (bool, error) {
	got, err := fileSHA256(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("download: checking %s: %w", path, err)
	}
	if got == want {
		return true, nil
	}
	d.logger().Warn("cached file has the wrong SHA-256; downloading it again", "path", path, "got", got, "want", want)
	if err := os.Remove(path); err != nil {
		return false, fmt.Errorf("download: removing bad %s: %w", path, err)
	}
	return false, nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// job is one Fetch that needs the network.
type job struct {
	d         *Downloader
	url       string
	path      string
	part      string
	want      string
	hash      hash.Hash // SHA-256 of the first hashed bytes of part
	hashed    int64
	retryWait time.Duration // server's Retry-After of the last failure
}

func (j *job) run(ctx context.Context) error {
	retries := j.d.Retries
	if retries == 0 {
		retries = DefaultRetries
	}
	freshRetry := false // a checksum mismatch after resuming earns one fresh start
	for attempt := 0; ; attempt++ {
		resumed, err := j.attempt(ctx)
		if err == nil {
			err = j.finish(resumed, freshRetry)
			if !errors.Is(err, errRestart) {
				return err
			}
			freshRetry = true
			j.d.logger().Warn("resumed download failed its checksum; downloading from the start", "url", j.url)
			continue
		}
		if ctx.Err() != nil {
			return fmt.Errorf("download: %s: %w", j.url, ctx.Err())
		}
		if !isTransient(err) {
			return err
		}
		if attempt >= retries {
			return fmt.Errorf("download: %s: giving up after %d attempts: %w", j.url, attempt+1, err)
		}
		wait := j.backoff(attempt)
		j.d.logger().Warn("download failed; retrying", "url", j.url, "attempt", attempt+1, "wait", wait, "error", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("download: %s: %w", j.url, ctx.Err())
		case <-time.After(wait):
		}
	}
}

// finish verifies the complete part file and moves it into place.
func (j *job) finish(resumed, freshRetried bool) error {
	got := hex.EncodeToString(j.hash.Sum(nil))
	if got != j.want {
		os.Remove(j.part)
		j.hash, j.hashed = nil, 0
		if resumed && !freshRetried {
			return errRestart
		}
		return &ChecksumError{URL: j.url, Path: j.path, Want: j.want, Got: got}
	}
	if err := atomicfile.Commit(j.part, j.path); err != nil {
		return fmt.Errorf("download: %w", err)
	}
	return nil
}

// errRestart is never returned to callers: run turns it into a fresh attempt.
var errRestart = errors.New("download: restart")

// backoff returns the wait before retry attempt+1: exponential with full
// jitter in its upper half, at least the server's Retry-After, at most
// MaxDelay.
func (j *job) backoff(attempt int) time.Duration {
	base, maxDelay := j.d.BaseDelay, j.d.MaxDelay
	if base <= 0 {
		base = DefaultBaseDelay
	}
	if maxDelay <= 0 {
		maxDelay = DefaultMaxDelay
	}
	d := base << min(attempt, 30)
	if d <= 0 || d > maxDelay {
		d = maxDelay
	}
	d = d/2 + rand.N(d/2+1)
	if j.retryWait > d {
		d = min(j.retryWait, maxDelay)
	}
	return d
}

// attempt makes one request and appends what it receives to the part file.
// It returns nil once the part file holds the whole file, and whether the
// attempt continued a part file that already held bytes.
func (j *job) attempt(ctx context.Context) (resumed bool, err error) {
	j.retryWait = 0
	// The part file is opened now if it exists, created only once the
	// server answers with content, so failures leave nothing behind.
	f, err := os.OpenFile(j.part, os.O_RDWR, 0)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, fmt.Errorf("download: %w", err)
	}
	var have int64
	if f != nil {
		defer f.Close()
		if have, err = j.syncHash(f); err != nil {
			return false, err
		}
	} else {
		j.hash, j.hashed = sha256.New(), 0
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.url, nil)
	if err != nil {
		return false, fmt.Errorf("download: %w", err)
	}
	// identity: the bytes on the wire are the file's bytes, so ranges and
	// the checksum refer to the same thing.
	req.Header.Set("Accept-Encoding", "identity")
	if have > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", have))
	}
	client := j.d.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return false, transient(fmt.Errorf("download: GET %s: %w", j.url, err))
	}
	defer resp.Body.Close()

	total := int64(-1)
	switch {
	case resp.StatusCode == http.StatusOK:
		if have > 0 {
			j.d.logger().Info("server ignored the Range request; downloading from the start", "url", j.url)
			if err := j.reset(f); err != nil {
				return false, err
			}
			have = 0
		}
		total = resp.ContentLength
	case resp.StatusCode == http.StatusPartialContent && have > 0:
		start, size, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || start != have {
			j.reset(f)
			return false, transient(fmt.Errorf("download: GET %s: server sent range %q for a request from byte %d", j.url, resp.Header.Get("Content-Range"), have))
		}
		total = size
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && have > 0:
		if _, size, ok := parseUnsatisfiedRange(resp.Header.Get("Content-Range")); ok && size == have {
			return true, nil // the part file already holds everything
		}
		j.reset(f)
		return false, transient(fmt.Errorf("download: GET %s: range from byte %d not satisfiable; starting over", j.url, have))
	default:
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			j.retryWait = time.Duration(s) * time.Second
		}
		return false, &HTTPError{URL: j.url, StatusCode: resp.StatusCode, Status: resp.Status}
	}
	resumed = have > 0
	if f == nil {
		if f, err = os.OpenFile(j.part, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644); err != nil {
			return false, fmt.Errorf("download: %w", err)
		}
		defer f.Close()
	}
	if _, err := f.Seek(have, io.SeekStart); err != nil {
		return resumed, fmt.Errorf("download: %w", err)
	}
	m := j.d.newMeter(j.url, filepath.Base(j.path), have, total)
	n, err := io.Copy(io.MultiWriter(f, j.hash, m), resp.Body)
	j.hashed += n
	if err != nil {
		return resumed, transient(fmt.Errorf("download: GET %s: body cut off after %d bytes: %w", j.url, have+n, err))
	}
	if total >= 0 && have+n != total {
		return resumed, transient(fmt.Errorf("download: GET %s: got %d of %d bytes", j.url, have+n, total))
	}
	if err := f.Sync(); err != nil {
		return resumed, fmt.Errorf("download: syncing %s: %w", j.part, err)
	}
	m.finish()
	return resumed, nil
}

// syncHash makes j.hash cover exactly the bytes in the part file, hashing
// them again when the file is not what the hash last saw, and returns the
// file's size.
func (j *job) syncHash(f *os.File) (int64, error) {
	info, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("download: %w", err)
	}
	if j.hash != nil && j.hashed == info.Size() {
		return info.Size(), nil
	}
	j.hash, j.hashed = sha256.New(), 0
	n, err := io.Copy(j.hash, f)
	if err != nil {
		return 0, fmt.Errorf("download: reading %s: %w", j.part, err)
	}
	j.hashed = n
	return n, nil
}

// reset empties the part file and the hash.
func (j *job) reset(f *os.File) error {
	j.hash, j.hashed = sha256.New(), 0
	if err := f.Truncate(0); err != nil {
		return fmt.Errorf("download: truncating %s: %w", j.part, err)
	}
	return nil
}

// parseContentRange parses "bytes START-END/SIZE"; SIZE may be "*".
func parseContentRange(s string) (start, size int64, ok bool) {
	rest, found := strings.CutPrefix(s, "bytes ")
	if !found {
		return 0, 0, false
	}
	span, total, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, false
	}
	a, b, found := strings.Cut(span, "-")
	if !found {
		return 0, 0, false
	}
	start, err1 := strconv.ParseInt(a, 10, 64)
	end, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || start < 0 || end < start {
		return 0, 0, false
	}
	size = -1
	if total != "*" {
		v, err := strconv.ParseInt(total, 10, 64)
		if err != nil || v <= end {
			return 0, 0, false
		}
		size = v
	}
	return start, size, true
}

// parseUnsatisfiedRange parses the "bytes */SIZE" of a 416 response.
func parseUnsatisfiedRange(s string) (start, size int64, ok bool) {
	rest, found := strings.CutPrefix(s, "bytes */")
	if !found {
		return 0, 0, false
	}
	v, err := strconv.ParseInt(rest, 10, 64)
	return 0, v, err == nil && v >= 0
}
