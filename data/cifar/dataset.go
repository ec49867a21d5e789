package cifar

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// TrainFiles are the names of the five training batches, in order.
var TrainFiles = []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"}

// TestFile is the name of the test batch.
const TestFile = "test_batch.bin"

// ArchiveDir is the directory inside the official archive that holds the batches.
const ArchiveDir = "cifar-10-batches-bin"

// maxTrailer bounds the padding accepted after the tar end marker.
const maxTrailer = 1 << 20

// Dataset is the CIFAR-10 training set (the five batches concatenated in
// order) and the test set.
type Dataset struct {
	Train *Batch // 50,000 images in the official data
	Test  *Batch // 10,000 images in the official data
}

// LoadDir reads the six batch files from dir, or from dir/cifar-10-batches-bin
// when dir is the folder the archive was extracted into.
func LoadDir(dir string) (*Dataset, error) {
	if !holdsAnyBatch(dir) {
		if info, err := os.Stat(filepath.Join(dir, ArchiveDir)); err == nil && info.IsDir() {
			dir = filepath.Join(dir, ArchiveDir)
		}
	}
	var missing []string
	for _, name := range append(append([]string(nil), TrainFiles...), TestFile) {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("cifar: %s lacks %s", dir, strings.Join(missing, ", "))
	}
	train := make([]*Batch, len(TrainFiles))
	for i, name := range TrainFiles {
		b, err := ReadBatchFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		train[i] = b
	}
	test, err := ReadBatchFile(filepath.Join(dir, TestFile))
	if err != nil {
		return nil, err
	}
	return &Dataset{Train: concat(train), Test: test}, nil
}

// LoadArchive reads the dataset from cifar-10-binary.tar.gz at path without
// extracting it.
func LoadArchive(path string) (*Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cifar: %w", err)
	}
	defer f.Close()
	ds, err := ReadArchive(f)
	if err != nil {
		return nil, fmt.Errorf("%w (archive %s)", err, path)
	}
	return ds, nil
}

// ReadArchive reads the dataset from a tar stream, gzipped or not (detected
// by the gzip magic bytes). The batches may sit at the top of the archive or
// in one directory; other entries are ignored. Every batch must appear
// exactly once.
func ReadArchive(r io.Reader) (*Dataset, error) {
	br := bufio.NewReader(r)
	var src io.Reader = br
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("cifar: reading gzip header: %w", err)
		}
		defer gz.Close()
		src = gz
	}
	found := map[string]*Batch{}
	tr := tar.NewReader(src)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("cifar: reading archive: %w", err)
		}
		name := path.Base(hdr.Name)
		if hdr.Typeflag != tar.TypeReg || !isBatchName(name) {
			continue
		}
		if _, dup := found[name]; dup {
			return nil, fmt.Errorf("cifar: archive holds %s twice", name)
		}
		b, err := readRecords(tr, hdr.Size)
		if err != nil {
			return nil, fmt.Errorf("%w (archive entry %s)", err, hdr.Name)
		}
		found[name] = b
	}
	// Read to the end so that a gzip stream's checksum is verified; tar
	// padding is small, so more than maxTrailer bytes is not an archive.
	if n, err := io.Copy(io.Discard, io.LimitReader(src, maxTrailer+1)); err != nil {
		return nil, fmt.Errorf("cifar: reading the end of the archive: %w", err)
	} else if n > maxTrailer {
		return nil, fmt.Errorf("cifar: archive has over %d bytes after its end marker", maxTrailer)
	}
	var missing []string
	for _, name := range append(append([]string(nil), TrainFiles...), TestFile) {
		if found[name] == nil {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("cifar: archive lacks %s", strings.Join(missing, ", "))
	}
	train := make([]*Batch, len(TrainFiles))
	for i, name := range TrainFiles {
		train[i] = found[name]
	}
	return &Dataset{Train: concat(train), Test: found[TestFile]}, nil
}

// holdsAnyBatch reports whether dir holds at least one of the batch files.
func holdsAnyBatch(dir string) bool {
	for _, name := range append(append([]string(nil), TrainFiles...), TestFile) {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return true
		}
	}
	return false
}

func isBatchName(name string) bool {
	if name == TestFile {
		return true
	}
	for _, n := range TrainFiles {
		if n == name {
			return true
		}
	}
	return false
}
