package download_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/emberdl/ember/data/download"
)

func Example() {
	content := "hello, dataset\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "hello.txt", time.Time{}, strings.NewReader(content))
	}))
	defer srv.Close()
	sum := sha256.Sum256([]byte(content))

	dir, _ := os.MkdirTemp("", "cache")
	defer os.RemoveAll(dir)
	d := &download.Downloader{Progress: download.ProgressOff}
	path, err := d.FetchToDir(context.Background(), srv.URL+"/files/hello.txt", dir, hex.EncodeToString(sum[:]))
	if err != nil {
		fmt.Println(err)
		return
	}
	got, _ := os.ReadFile(path)
	fmt.Printf("%s: %q\n", filepath.Base(path), got)

	// A wrong checksum is an error, and nothing is left in the cache.
	err = d.Fetch(context.Background(), srv.URL+"/files/hello.txt", filepath.Join(dir, "bad.txt"), strings.Repeat("0", 64))
	_, statErr := os.Stat(filepath.Join(dir, "bad.txt"))
	fmt.Println(err != nil, os.IsNotExist(statErr))
	// Output:
	// hello.txt: "hello, dataset\n"
	// true true
}
