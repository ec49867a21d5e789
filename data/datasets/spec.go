package datasets

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/emberdl/ember/data/cifar"
)

// File is one file of a dataset as published.
type File struct {
	Name   string // file name, also its name under each mirror
	SHA256 string // published SHA-256 of the file, hex
	Size   int64  // size in bytes
}

// Spec describes a known dataset: its files, where to download them and how
// to read a directory that holds them.
type Spec struct {
	Name       string   // directory name and canonical name, such as "fashion-mnist"
	Aliases    []string // other names accepted by Find
	Files      []File   // files to download
	Mirrors    []string // base URLs (ending in "/"), tried in order for each file
	SystemDirs []string // where operating system packages install the dataset
	Classes    []string // class names in label order

	// read loads the dataset from the files of dir, or returns an error
	// satisfying errors.Is(err, fs.ErrNotExist) when dir lacks them.
	read func(dir string) (*Dataset, error)
}

// mnistFiles are the four file names shared by MNIST and Fashion-MNIST.
var mnistFiles = [4]string{"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}

// FashionMNIST is Zalando's Fashion-MNIST: 60,000 training and 10,000 test
// 28×28 grey images of 10 kinds of clothing. The SHA-256 values are those
// of the official files; Debian's dataset-fashion-mnist ships the same
// compressed data with the gzip header's file name and time removed, so its
// files are read from their directory but not checksummed.
var FashionMNIST = &Spec{
	Name:    "fashion-mnist",
	Aliases: []string{"fmnist", "fashion_mnist", "fashionmnist"},
	Files: []File{
		{mnistFiles[0], "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84", 26421880},
		{mnistFiles[1], "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845", 29515},
		{mnistFiles[2], "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073", 4422102},
		{mnistFiles[3], "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5", 5148},
	},
	Mirrors: []string{
		"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
		"https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
	},
	SystemDirs: []string{"/usr/share/datasets/fashion-mnist"},
	Classes:    []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"},
}

// MNIST is the MNIST database of handwritten digits: 60,000 training and
// 10,000 test 28×28 grey images, from the mirrors torchvision uses.
var MNIST = &Spec{
	Name: "mnist",
	Files: []File{
		{mnistFiles[0], "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 9912422},
		{mnistFiles[1], "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 28881},
		{mnistFiles[2], "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1648877},
		{mnistFiles[3], "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4542},
	},
	Mirrors: []string{
		"https://ossci-datasets.s3.amazonaws.com/mnist/",
		"https://storage.googleapis.com/cvdf-datasets/mnist/",
		"http://yann.lecun.com/exdb/mnist/",
	},
	Classes: []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"},
}

// cifarArchive is the name of the official CIFAR-10 binary archive.
const cifarArchive = "cifar-10-binary.tar.gz"

// CIFAR10 is CIFAR-10 in its binary form: 50,000 training and 10,000 test
// 32×32 colour images in 10 classes, read from the archive without
// extracting it, or from an extracted directory.
var CIFAR10 = &Spec{
	Name:    "cifar-10",
	Aliases: []string{"cifar10", "cifar_10"},
	Files: []File{
		{cifarArchive, "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd", 170052171},
	},
	Mirrors: []string{"https://www.cs.toronto.edu/~kriz/"},
	Classes: cifar.Classes[:],
}

func init() {
	FashionMNIST.read = func(dir string) (*Dataset, error) { return readMNIST(FashionMNIST, dir) }
	MNIST.read = func(dir string) (*Dataset, error) { return readMNIST(MNIST, dir) }
	CIFAR10.read = readCIFAR
}

// All lists the known datasets.
func All() []*Spec { return []*Spec{FashionMNIST, MNIST, CIFAR10} }

// Find returns the spec named name (case-insensitive; aliases accepted).
func Find(name string) (*Spec, error) {
	n := strings.ToLower(name)
	var names []string
	for _, s := range All() {
		if s.Name == n || slices.Contains(s.Aliases, n) {
			return s, nil
		}
		names = append(names, s.Name)
	}
	return nil, fmt.Errorf("datasets: unknown dataset %q (known: %s)", name, strings.Join(names, ", "))
}

// ReadDir reads the dataset from the files in dir. An error satisfying
// errors.Is(err, fs.ErrNotExist) means dir does not hold them.
func (s *Spec) ReadDir(dir string) (*Dataset, error) {
	d, err := s.read(dir)
	if err != nil {
		return nil, err
	}
	if err := d.check(); err != nil {
		return nil, err
	}
	return d, nil
}

// notHere is the error for a directory that does not hold the dataset.
func notHere(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{fs.ErrNotExist}, args...)...)
}
