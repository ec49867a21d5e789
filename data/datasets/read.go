package datasets

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/emberdl/ember/data/cifar"
	"github.com/emberdl/ember/data/idx"
)

// readMNIST reads the four IDX files of an MNIST-family dataset from dir,
// each gzipped (the published name) or not (the name without ".gz").
func readMNIST(s *Spec, dir string) (*Dataset, error) {
	paths := make([]string, len(mnistFiles))
	var missing []string
	for i, name := range mnistFiles {
		p, ok := findFile(dir, name)
		if !ok {
			missing = append(missing, name)
		}
		paths[i] = p
	}
	if len(missing) == len(mnistFiles) {
		return nil, notHere("no %s files", s.Name)
	}
	if len(missing) > 0 {
		return nil, notHere("lacks %s", strings.Join(missing, ", "))
	}
	d := &Dataset{Name: s.Name, Source: dir, Channels: 1, Height: 28, Width: 28, Classes: s.Classes}
	var err error
	if d.TrainImages, d.TrainLabels, err = readMNISTPair(paths[0], paths[1]); err != nil {
		return nil, err
	}
	if d.TestImages, d.TestLabels, err = readMNISTPair(paths[2], paths[3]); err != nil {
		return nil, err
	}
	return d, nil
}

// findFile returns dir/name, or dir/name without ".gz", whichever exists.
func findFile(dir, name string) (string, bool) {
	for _, n := range []string{name, strings.TrimSuffix(name, ".gz")} {
		p := filepath.Join(dir, n)
		if info, err := os.Stat(p); err == nil && info.Mode().IsRegular() {
			return p, true
		}
	}
	return "", false
}

// readMNISTPair reads an image file (N×28×28 uint8) and its label file
// (N uint8).
func readMNISTPair(imagePath, labelPath string) ([]uint8, []uint8, error) {
	im, err := idx.ReadFile(imagePath)
	if err != nil {
		return nil, nil, fmt.Errorf("datasets: %w", err)
	}
	lb, err := idx.ReadFile(labelPath)
	if err != nil {
		return nil, nil, fmt.Errorf("datasets: %w", err)
	}
	if im.DType != idx.Uint8 || len(im.Dims) != 3 || im.Dims[1] != 28 || im.Dims[2] != 28 {
		return nil, nil, fmt.Errorf("datasets: %s holds %s %v, want uint8 N×28×28 images", imagePath, im.DType, im.Dims)
	}
	if lb.DType != idx.Uint8 || len(lb.Dims) != 1 {
		return nil, nil, fmt.Errorf("datasets: %s holds %s %v, want N uint8 labels", labelPath, lb.DType, lb.Dims)
	}
	if im.Dims[0] != lb.Dims[0] {
		return nil, nil, fmt.Errorf("datasets: %s has %d images but %s has %d labels", imagePath, im.Dims[0], labelPath, lb.Dims[0])
	}
	return im.Data, lb.Data, nil
}

// readCIFAR reads CIFAR-10 from the archive in dir, or from the extracted
// batch files in dir or dir/cifar-10-batches-bin.
func readCIFAR(dir string) (*Dataset, error) {
	var ds *cifar.Dataset
	var err error
	source := dir
	if archive := filepath.Join(dir, cifarArchive); fileExists(archive) {
		ds, err = cifar.LoadArchive(archive)
		source = archive
	} else if fileExists(filepath.Join(dir, cifar.TestFile)) || fileExists(filepath.Join(dir, cifar.ArchiveDir, cifar.TestFile)) {
		ds, err = cifar.LoadDir(dir)
	} else {
		return nil, notHere("neither %s nor the batch files", cifarArchive)
	}
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	return &Dataset{
		Name: CIFAR10.Name, Source: source, Classes: CIFAR10.Classes,
		Channels: cifar.Channels, Height: cifar.Height, Width: cifar.Width,
		TrainImages: ds.Train.Images, TrainLabels: ds.Train.Labels,
		TestImages: ds.Test.Images, TestLabels: ds.Test.Labels,
	}, nil
}

func fileExists(p string) bool {
	info, err := os.Stat(p)
	return err == nil && info.Mode().IsRegular()
}

// isNotHere reports whether err means a directory lacks the dataset, as
// opposed to holding broken files.
func isNotHere(err error) bool { return errors.Is(err, fs.ErrNotExist) }
