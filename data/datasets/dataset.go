package datasets

import "fmt"

// Dataset holds the four arrays of an image classification dataset.
type Dataset struct {
	Name     string   // "fashion-mnist", "mnist", "cifar-10"
	Source   string   // where it was read from
	Channels int      // 1 for the MNIST family, 3 for CIFAR-10
	Height   int      // image height in pixels
	Width    int      // image width in pixels
	Classes  []string // class names in label order

	TrainImages []uint8 // NumTrain() × Channels × Height × Width
	TrainLabels []uint8 // NumTrain() labels, each < len(Classes)
	TestImages  []uint8 // NumTest() × Channels × Height × Width
	TestLabels  []uint8 // NumTest() labels
}

// ImageSize returns the number of bytes of one image.
func (d *Dataset) ImageSize() int { return d.Channels * d.Height * d.Width }

// NumTrain returns the number of training images.
func (d *Dataset) NumTrain() int { return len(d.TrainLabels) }

// NumTest returns the number of test images.
func (d *Dataset) NumTest() int { return len(d.TestLabels) }

// check verifies that the arrays agree with each other.
func (d *Dataset) check() error {
	size := d.ImageSize()
	if len(d.TrainImages) != d.NumTrain()*size || len(d.TestImages) != d.NumTest()*size {
		return fmt.Errorf("datasets: %s: %d training and %d test labels do not match %d and %d image bytes of %d each",
			d.Name, d.NumTrain(), d.NumTest(), len(d.TrainImages), len(d.TestImages), size)
	}
	splits := []struct {
		name   string
		labels []uint8
	}{{"training", d.TrainLabels}, {"test", d.TestLabels}}
	for _, sp := range splits {
		for i, l := range sp.labels {
			if int(l) >= len(d.Classes) {
				return fmt.Errorf("datasets: %s: %s label %d is %d, want 0 to %d", d.Name, sp.name, i, l, len(d.Classes)-1)
			}
		}
	}
	return nil
}
