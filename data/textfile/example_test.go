package textfile_test

import (
	"fmt"

	"github.com/emberdl/ember/data/textfile"
)

func Example() {
	corpus, err := textfile.Load([]string{"testdata/corpus"}, textfile.Options{
		Level:     textfile.Chars,
		Pattern:   "*.txt",
		Separator: "\n",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	w, _ := corpus.Windows(8)
	ctx, next := w.At(3)
	text, _ := corpus.Vocab.Decode(ctx)
	nextText, _ := corpus.Vocab.Decode([]int32{next})
	fmt.Printf("%d files, vocab %d, %d windows; %q → %q\n", len(corpus.Files), corpus.Vocab.Size(), w.Len(), text, nextText)
	// Output: 2 files, vocab 30, 68 windows; "be, or n" → "o"
}
