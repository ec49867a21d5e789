package csvfile

import (
	"strings"
	"testing"
)

// FuzzRead parses arbitrary text with a label and a categorical column. It
// must never panic, and an accepted table must be consistent with its schema.
func FuzzRead(f *testing.F) {
	f.Add("x,c,y\n1,a,0\n2.5,b,1\n")
	f.Add("c,x,y\n\"q,1\",3,z\n\"q\"\"2\",-4,w\n")
	f.Add("x,c,y\nNA,a,1\n")
	f.Add("\uFEFFx,c,y\n1e3,,2\n")
	f.Fuzz(func(t *testing.T, in string) {
		tab, err := Read(strings.NewReader(in), Options{Label: "y", Categorical: []string{"c"}})
		if err != nil {
			return
		}
		nf := tab.NumFeatures()
		if len(tab.X) != tab.Rows*nf || len(tab.Y) != tab.Rows || tab.Rows == 0 {
			t.Fatalf("%d rows, %d features, %d values, %d labels", tab.Rows, nf, len(tab.X), len(tab.Y))
		}
		for j, c := range tab.Schema.Features {
			if c.Kind != Categorical {
				continue
			}
			for r := 0; r < tab.Rows; r++ {
				if v := tab.Row(r)[j]; v < 0 || int(v) >= len(c.Categories) {
					t.Fatalf("row %d column %q index %v outside %d categories", r, c.Name, v, len(c.Categories))
				}
			}
		}
		again, err := Read(strings.NewReader(in), Options{Schema: tab.Schema})
		if err != nil {
			t.Fatalf("re-reading with the learned schema: %v", err)
		}
		for i := range tab.X {
			if tab.X[i] != again.X[i] {
				t.Fatalf("value %d: %v then %v", i, tab.X[i], again.X[i])
			}
		}
	})
}
