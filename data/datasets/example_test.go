package datasets_test

import (
	"context"
	"fmt"

	"github.com/emberdl/ember/data/datasets"
)

func ExampleFashionMNISTSample() {
	d, err := datasets.FashionMNISTSample()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.NumTrain(), d.NumTest(), d.Channels, d.Height, d.Width)
	fmt.Println("first label:", d.Classes[d.TrainLabels[0]])
	// Output:
	// 4000 1000 1 28 28
	// first label: Ankle boot
}

func ExampleLoad() {
	// Looks in ./data, $EMBER_DATA, the user cache and system packages;
	// with Download set it fetches the official files when none has them.
	d, err := datasets.Load(context.Background(), "fashion-mnist", datasets.Options{Dir: "data", Download: false})
	if err != nil {
		fmt.Println("not available here:", err != nil)
		return
	}
	fmt.Println(d.Name, d.NumTrain()+d.NumTest() > 0)
}
