package datasets

import (
	"bytes"
	"embed"
	"fmt"

	"github.com/emberdl/ember/data/idx"
)

// sampleFS holds the first 4000 training and first 1000 test images of
// Fashion-MNIST, written by testdata/gen/fmnist_sample.py.
//
//go:embed fmnist-sample/*.gz
var sampleFS embed.FS

// FashionMNISTSample returns the embedded Fashion-MNIST subset: the first
// 4000 training and the first 1000 test images with their labels. It needs
// no file or network, so a binary can always train on something.
func FashionMNISTSample() (*Dataset, error) {
	d := &Dataset{Name: FashionMNIST.Name, Source: "embedded sample", Channels: 1, Height: 28, Width: 28, Classes: FashionMNIST.Classes}
	var err error
	if d.TrainImages, d.TrainLabels, err = samplePair(mnistFiles[0], mnistFiles[1]); err != nil {
		return nil, err
	}
	if d.TestImages, d.TestLabels, err = samplePair(mnistFiles[2], mnistFiles[3]); err != nil {
		return nil, err
	}
	if err := d.check(); err != nil {
		return nil, err
	}
	return d, nil
}

func samplePair(images, labels string) ([]uint8, []uint8, error) {
	var out [2][]uint8
	for i, name := range []string{images, labels} {
		raw, err := sampleFS.ReadFile("fmnist-sample/" + name)
		if err != nil {
			return nil, nil, fmt.Errorf("datasets: embedded sample: %w", err)
		}
		f, err := idx.Read(bytes.NewReader(raw))
		if err != nil {
			return nil, nil, fmt.Errorf("datasets: embedded sample %s: %w", name, err)
		}
		out[i] = f.Data
	}
	if len(out[0]) != len(out[1])*28*28 {
		return nil, nil, fmt.Errorf("datasets: embedded sample: %d image bytes for %d labels", len(out[0]), len(out[1]))
	}
	return out[0], out[1], nil
}
