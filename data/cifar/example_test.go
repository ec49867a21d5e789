package cifar_test

import (
	"fmt"

	"github.com/emberdl/ember/data/cifar"
)

func Example() {
	// The official archive is read the same way, without extracting it.
	ds, err := cifar.LoadArchive("testdata/mini-cifar-10-binary.tar.gz")
	if err != nil {
		fmt.Println(err)
		return
	}
	img := ds.Train.Image(0) // 3×32×32, channels first
	fmt.Println(ds.Train.Len(), ds.Test.Len(), len(img), cifar.Classes[ds.Train.Labels[0]])
	// Output: 15 3 3072 dog
}
