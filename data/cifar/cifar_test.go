package cifar

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const fixture = "testdata/mini-cifar-10-binary.tar.gz"

// expectedBatch is what testdata/gen/cifar_fixture.py recorded with numpy.
type expectedBatch struct {
	Labels      []int      `json:"labels"`
	ChannelSums [][3]int64 `json:"channel_sums"`
	FirstPixel  [][3]int   `json:"first_pixel_rgb"`
}

func loadExpected(t *testing.T) map[string]expectedBatch {
	t.Helper()
	raw, err := os.ReadFile("testdata/mini-expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var exp map[string]expectedBatch
	if err := json.Unmarshal(raw, &exp); err != nil {
		t.Fatal(err)
	}
	return exp
}

// checkBatch compares images [from, from+len(exp.Labels)) of b with exp,
// summing each channel plane independently of the reader's layout logic.
func checkBatch(t *testing.T, what string, b *Batch, from int, exp expectedBatch) {
	t.Helper()
	for i, label := range exp.Labels {
		if int(b.Labels[from+i]) != label {
			t.Errorf("%s image %d label = %d, want %d", what, i, b.Labels[from+i], label)
		}
		img := b.Image(from + i)
		for c := 0; c < Channels; c++ {
			var sum int64
			for _, v := range img[c*Width*Height : (c+1)*Width*Height] {
				sum += int64(v)
			}
			if sum != exp.ChannelSums[i][c] {
				t.Errorf("%s image %d channel %d sum = %d, want %d", what, i, c, sum, exp.ChannelSums[i][c])
			}
			if int(img[c*Width*Height]) != exp.FirstPixel[i][c] {
				t.Errorf("%s image %d channel %d first pixel = %d, want %d", what, i, c, img[c*Width*Height], exp.FirstPixel[i][c])
			}
		}
	}
}

func checkDataset(t *testing.T, ds *Dataset) {
	t.Helper()
	exp := loadExpected(t)
	if ds.Train.Len() != 15 || ds.Test.Len() != 3 {
		t.Fatalf("train %d test %d images, want 15 and 3", ds.Train.Len(), ds.Test.Len())
	}
	if len(ds.Train.Images) != 15*ImageBytes {
		t.Fatalf("train holds %d pixel bytes", len(ds.Train.Images))
	}
	for i, name := range TrainFiles {
		checkBatch(t, name, ds.Train, 3*i, exp[name])
	}
	checkBatch(t, TestFile, ds.Test, 0, exp[TestFile])
}

func TestLoadArchive(t *testing.T) {
	ds, err := LoadArchive(fixture)
	if err != nil {
		t.Fatal(err)
	}
	checkDataset(t, ds)
}

// TestLoadDir extracts the fixture archive and reads the directory, both as
// the extraction root and as cifar-10-batches-bin itself.
func TestLoadDir(t *testing.T) {
	root := t.TempDir()
	extract(t, fixture, root)
	for _, dir := range []string{root, filepath.Join(root, ArchiveDir)} {
		ds, err := LoadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		checkDataset(t, ds)
	}
	os.Remove(filepath.Join(root, ArchiveDir, "data_batch_3.bin"))
	os.Remove(filepath.Join(root, ArchiveDir, TestFile))
	_, err := LoadDir(root)
	if err == nil || !strings.Contains(err.Error(), "lacks data_batch_3.bin, test_batch.bin") {
		t.Errorf("error = %v, want it to name both missing files", err)
	}
}

func extract(t *testing.T, archive, dir string) {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.FromSlash(h.Name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		b, _ := io.ReadAll(tr)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// record returns one record with the given label and every pixel set to px.
func record(label, px byte) []byte {
	r := bytes.Repeat([]byte{px}, RecordBytes)
	r[0] = label
	return r
}

func TestReadBatch(t *testing.T) {
	two := append(record(3, 7), record(9, 200)...)
	b, err := ReadBatch(bytes.NewReader(two))
	if err != nil {
		t.Fatal(err)
	}
	if b.Len() != 2 || b.Labels[0] != 3 || b.Labels[1] != 9 || b.Image(0)[3071] != 7 || b.Image(1)[0] != 200 {
		t.Errorf("batch = labels %v, pixels %d %d", b.Labels, b.Image(0)[3071], b.Image(1)[0])
	}
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "holds no records"},
		{"partial", append(record(1, 1), 5, 5, 5), "ends inside record 1: 3076 bytes is not a multiple"},
		{"bad label", append(record(1, 1), record(10, 1)...), "record 1 has label 10, want 0 to 9"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadBatch(bytes.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want %q", err, tc.want)
			}
		})
	}
}

// makeArchive builds an uncompressed tar with the given entries.
func makeArchive(t testing.TB, entries map[string][]byte, order []string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range order {
		data := entries[name]
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(data)
	}
	tw.Close()
	return buf.Bytes()
}

func TestReadArchiveErrors(t *testing.T) {
	all := append(append([]string(nil), TrainFiles...), TestFile)
	good := map[string][]byte{}
	for i, n := range all {
		good[n] = record(byte(i), byte(i))
	}
	withBad := func(name string, data []byte) map[string][]byte {
		m := map[string][]byte{}
		for k, v := range good {
			m[k] = v
		}
		m[name] = data
		return m
	}
	tests := []struct {
		name    string
		entries map[string][]byte
		order   []string
		want    string
	}{
		{"missing", good, all[1:5], "archive lacks data_batch_1.bin, test_batch.bin"},
		{"duplicate", good, append(all, "sub/"+TestFile), "holds test_batch.bin twice"},
		{"bad size", withBad("data_batch_2.bin", make([]byte, 100)), all, "batch size 100 is not a multiple of the 3073-byte record (archive entry data_batch_2.bin)"},
		{"bad label", withBad(TestFile, record(200, 0)), all, "record 0 has label 200"},
		{"empty entry", withBad("data_batch_4.bin", nil), all, "holds no records (archive entry data_batch_4.bin)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			entries := tc.entries
			if tc.name == "duplicate" {
				entries = withBad("sub/"+TestFile, good[TestFile])
			}
			_, err := ReadArchive(bytes.NewReader(makeArchive(t, entries, tc.order)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want %q", err, tc.want)
			}
		})
	}
	// A plain (not gzipped) tar of good entries is accepted and kept in order.
	ds, err := ReadArchive(bytes.NewReader(makeArchive(t, good, all)))
	if err != nil {
		t.Fatal(err)
	}
	if got := ds.Train.Labels; !bytes.Equal(got, []byte{0, 1, 2, 3, 4}) || ds.Test.Labels[0] != 5 {
		t.Errorf("labels train %v test %v", got, ds.Test.Labels)
	}
}

// TestTruncatedArchive cuts the fixture at several points; every cut must be
// reported as an error, never a panic or a partial dataset.
func TestTruncatedArchive(t *testing.T) {
	raw, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 1, 10, len(raw) / 3, len(raw) / 2, len(raw) - 9, len(raw) - 1} {
		if _, err := ReadArchive(bytes.NewReader(raw[:n])); err == nil {
			t.Errorf("archive cut to %d of %d bytes was accepted", n, len(raw))
		}
	}
}
