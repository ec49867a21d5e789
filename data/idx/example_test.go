package idx_test

import (
	"bytes"
	"fmt"

	"github.com/emberdl/ember/data/idx"
)

func Example() {
	// Two 2×3 uint8 "images", as an MNIST image file stores them.
	f, _ := idx.New(idx.Uint8, []int{2, 2, 3}, []byte{0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255})
	var buf bytes.Buffer
	if err := idx.Write(&buf, f); err != nil {
		fmt.Println(err)
		return
	}

	got, err := idx.Read(&buf) // gzipped input works too
	if err != nil {
		fmt.Println(err)
		return
	}
	pixels, _ := got.Uint8s()
	fmt.Println(got.DType, got.Dims, pixels[6:])
	// Output: uint8 [2 2 3] [250 251 252 253 254 255]
}
