package csvfile_test

import (
	"fmt"
	"strings"

	"github.com/emberdl/ember/data/csvfile"
)

func Example() {
	const text = `area,city,price
50,Lyon,cheap
120,Paris,dear
80,Lyon,cheap
100,Nice,dear
`
	tab, err := csvfile.Read(strings.NewReader(text), csvfile.Options{
		Label:       "price",
		Categorical: []string{"city"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	train, test, _ := tab.Split(3)
	st, _ := csvfile.FitStandardizer(train) // statistics from the training part only
	st.Apply(train)
	st.Apply(test)

	fmt.Println(tab.Schema.FeatureNames(), tab.Schema.Features[1].Categories, tab.Schema.Label.Categories)
	fmt.Printf("train: %.3f labels %v\n", train.X, train.Y)
	fmt.Printf("test:  %.3f labels %v\n", test.X, test.Y)
	// Output:
	// [area city] [Lyon Nice Paris] [cheap dear]
	// train: [-1.162 0.000 1.279 2.000 -0.116 0.000] labels [0 1 0]
	// test:  [0.581 1.000] labels [1]
}
