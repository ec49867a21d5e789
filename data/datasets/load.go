package datasets

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/emberdl/ember/data/download"
)

// EnvVar names the environment variable of the datasets root directory.
const EnvVar = "EMBER_DATA"

// Options say where to look for a dataset and whether to download it.
type Options struct {
	// Dir is searched first: it may hold the files itself or in a
	// subdirectory named after the dataset.
	Dir string
	// Download allows fetching the dataset when no place holds it.
	Download bool
	// Downloader fetches files; nil means a Downloader with default settings.
	Downloader *download.Downloader

	// Test hooks: the environment and the system directories. nil means
	// os.Getenv and the spec's SystemDirs.
	getenv     func(string) string
	systemDirs []string
	cacheRoot  func() (string, error)
}

// Place is one location searched for a dataset.
type Place struct {
	Dir    string // the directory, or "" when the place is not configured
	Origin string // why it is searched: "explicit directory", "$EMBER_DATA", "user cache", "system package"
}

// Load finds the dataset called name (see Find) and reads it.
func Load(ctx context.Context, name string, opts Options) (*Dataset, error) {
	s, err := Find(name)
	if err != nil {
		return nil, err
	}
	return s.Load(ctx, opts)
}

// Places returns the locations searched for the dataset, in order.
func (s *Spec) Places(opts Options) []Place {
	var places []Place
	if opts.Dir != "" {
		places = append(places,
			Place{Dir: opts.Dir, Origin: "explicit directory"},
			Place{Dir: filepath.Join(opts.Dir, s.Name), Origin: "explicit directory"})
	}
	if root := opts.env(EnvVar); root != "" {
		places = append(places, Place{Dir: filepath.Join(root, s.Name), Origin: "$" + EnvVar})
	} else {
		places = append(places, Place{Origin: "$" + EnvVar})
	}
	if cache, err := opts.cacheDir(s); err == nil {
		places = append(places, Place{Dir: cache, Origin: "user cache"})
	} else {
		places = append(places, Place{Origin: "user cache"})
	}
	dirs := s.SystemDirs
	if opts.systemDirs != nil {
		dirs = opts.systemDirs
	}
	for _, d := range dirs {
		places = append(places, Place{Dir: d, Origin: "system package"})
	}
	return places
}

// Load searches the places in order and reads the dataset from the first
// that holds it; failing that it downloads the dataset if opts.Download is
// set. The error of a failed search names every place and what was wrong.
func (s *Spec) Load(ctx context.Context, opts Options) (*Dataset, error) {
	nf := &NotFoundError{Dataset: s.Name}
	for _, p := range s.Places(opts) {
		if p.Dir == "" {
			nf.Looked = append(nf.Looked, Looked{Place: p, Problem: "not set"})
			continue
		}
		d, err := s.ReadDir(p.Dir)
		if err == nil {
			return d, nil
		}
		problem := err.Error()
		if isNotHere(err) {
			problem = shortNotHere(p.Dir, err)
		}
		nf.Looked = append(nf.Looked, Looked{Place: p, Problem: problem})
	}
	if !opts.Download {
		return nil, nf
	}
	dir, err := s.downloadDir(opts)
	if err != nil {
		nf.DownloadErr = err
		return nil, nf
	}
	if err := s.download(ctx, dir, opts); err != nil {
		nf.DownloadErr = err
		return nil, nf
	}
	d, err := s.ReadDir(dir)
	if err != nil {
		nf.DownloadErr = fmt.Errorf("reading the downloaded files: %w", err)
		return nil, nf
	}
	return d, nil
}

// shortNotHere turns a "does not hold it" error into a short phrase.
func shortNotHere(dir string, err error) string {
	if _, statErr := os.Stat(dir); errors.Is(statErr, os.ErrNotExist) {
		return "does not exist"
	}
	msg := err.Error()
	if i := strings.Index(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return msg
}

// downloadDir is $EMBER_DATA/<name> when EMBER_DATA is set, otherwise the
// user cache directory.
func (s *Spec) downloadDir(opts Options) (string, error) {
	if root := opts.env(EnvVar); root != "" {
		return filepath.Join(root, s.Name), nil
	}
	dir, err := opts.cacheDir(s)
	if err != nil {
		return "", fmt.Errorf("no directory to download into: %w (set $%s)", err, EnvVar)
	}
	return dir, nil
}

// download fetches every file of s into dir, trying the mirrors in order.
func (s *Spec) download(ctx context.Context, dir string, opts Options) error {
	d := opts.Downloader
	if d == nil {
		d = &download.Downloader{}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range s.Files {
		var errs []error
		for _, m := range s.Mirrors {
			err := d.Fetch(ctx, m+f.Name, filepath.Join(dir, f.Name), f.SHA256)
			if err == nil {
				errs = nil
				break
			}
			if ctx.Err() != nil {
				return err
			}
			errs = append(errs, err)
		}
		if errs != nil {
			return fmt.Errorf("%s from every mirror: %w", f.Name, errors.Join(errs...))
		}
	}
	return nil
}

func (o Options) env(key string) string {
	if o.getenv != nil {
		return o.getenv(key)
	}
	return os.Getenv(key)
}

func (o Options) cacheDir(s *Spec) (string, error) {
	root := os.UserCacheDir
	if o.cacheRoot != nil {
		root = o.cacheRoot
	}
	dir, err := root()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "ember", "datasets", s.Name), nil
}
