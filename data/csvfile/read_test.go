package csvfile

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
)

// expected is what testdata/gen/csv_fixture.py computed with numpy.
type expected struct {
	Cities           []string    `json:"cities"`
	Kinds            []string    `json:"kinds"`
	X                [][]float64 `json:"x"`
	Y                []float64   `json:"y"`
	Mean             []float64   `json:"mean"`
	Std              []float64   `json:"std"`
	TestStandardized [][]float64 `json:"test_standardized"`
}

func loadHouses(t *testing.T) (*Table, expected) {
	t.Helper()
	raw, err := os.ReadFile("testdata/houses-expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var exp expected
	if err := json.Unmarshal(raw, &exp); err != nil {
		t.Fatal(err)
	}
	tab, err := ReadFile("testdata/houses.csv", Options{Label: "kind", Categorical: []string{"city"}, Ignore: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	return tab, exp
}

func TestReadFixture(t *testing.T) {
	tab, exp := loadHouses(t)
	if got := tab.Schema.FeatureNames(); !slices.Equal(got, []string{"area", "city", "rooms", "constant"}) {
		t.Fatalf("features = %v", got)
	}
	if city := tab.Schema.Features[1]; city.Kind != Categorical || !slices.Equal(city.Categories, exp.Cities) {
		t.Errorf("city column = %+v, want categories %v", city, exp.Cities)
	}
	if l := tab.Schema.Label; l == nil || l.Kind != Categorical || !slices.Equal(l.Categories, exp.Kinds) {
		t.Errorf("label = %+v, want categorical %v", l, exp.Kinds)
	}
	if tab.Rows != len(exp.X) {
		t.Fatalf("%d rows, want %d", tab.Rows, len(exp.X))
	}
	for r := range exp.X {
		for j, want := range exp.X[r] {
			if got := float64(tab.Row(r)[j]); got != want {
				t.Errorf("row %d feature %d = %v, want %v", r, j, got, want)
			}
		}
		if float64(tab.Y[r]) != exp.Y[r] {
			t.Errorf("row %d label = %v, want %v", r, tab.Y[r], exp.Y[r])
		}
	}
}

func TestStandardizer(t *testing.T) {
	tab, exp := loadHouses(t)
	train, test, err := tab.Split(30)
	if err != nil {
		t.Fatal(err)
	}
	st, err := FitStandardizer(train)
	if err != nil {
		t.Fatal(err)
	}
	for j := range exp.Mean {
		if !close(st.Mean[j], exp.Mean[j], 1e-12) || !close(st.Std[j], exp.Std[j], 1e-12) {
			t.Errorf("feature %d: mean %v std %v, want %v %v", j, st.Mean[j], st.Std[j], exp.Mean[j], exp.Std[j])
		}
	}
	if err := st.Apply(test); err != nil {
		t.Fatal(err)
	}
	for r, row := range exp.TestStandardized {
		for j, want := range row {
			if got := float64(test.Row(r)[j]); !close(got, want, 1e-6) {
				t.Errorf("test row %d feature %d = %v, want %v", r, j, got, want)
			}
		}
	}
	// The training rows are untouched by applying to the test part.
	if float64(train.Row(0)[0]) != exp.X[0][0] {
		t.Errorf("training row changed: %v", train.Row(0))
	}
	if _, err := FitStandardizer(&Table{Schema: tab.Schema}); err == nil {
		t.Error("fit on zero rows gave no error")
	}
	if err := (&Standardizer{Mean: []float64{0}, Std: []float64{1}}).Apply(test); err == nil {
		t.Error("Apply with the wrong feature count gave no error")
	}
}

func close(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b))
}

// TestSchemaReuse reads a second file with the first file's schema: its
// categories keep the first file's indices, even in another column order.
func TestSchemaReuse(t *testing.T) {
	train, err := Read(strings.NewReader("color,size,y\nred,1,a\nblue,2,b\ngreen,3,a\n"), Options{Label: "y", Categorical: []string{"color"}})
	if err != nil {
		t.Fatal(err)
	}
	test, err := Read(strings.NewReader("y,size,color\nb,9,green\na,8,red\n"), Options{Schema: train.Schema})
	if err != nil {
		t.Fatal(err)
	}
	// Sorted categories: blue=0 green=1 red=2; labels a=0 b=1.
	if want := []float32{1, 9, 2, 8}; !slices.Equal(test.X, want) {
		t.Errorf("X = %v, want %v", test.X, want)
	}
	if want := []float32{1, 0}; !slices.Equal(test.Y, want) {
		t.Errorf("Y = %v, want %v", test.Y, want)
	}
	_, err = Read(strings.NewReader("color,size,y\npurple,1,a\n"), Options{Schema: train.Schema})
	if err == nil || !strings.Contains(err.Error(), `line 2, column "color": category "purple" is not in the schema (known: blue, green, red)`) {
		t.Errorf("unknown category error = %v", err)
	}
	_, err = Read(strings.NewReader("color,size,y,extra\nred,1,a,0\n"), Options{Schema: train.Schema})
	if err == nil || !strings.Contains(err.Error(), `column "extra" is not in the schema`) {
		t.Errorf("extra column error = %v", err)
	}
	if _, err := Read(strings.NewReader("color,size,y,extra\nred,1,a,0\n"), Options{Schema: train.Schema, Ignore: []string{"extra"}}); err != nil {
		t.Errorf("ignored extra column: %v", err)
	}
}

func TestNumericLabelAndOptions(t *testing.T) {
	tests := []struct {
		name   string
		csv    string
		opts   Options
		x, y   []float32
		kind   Kind
		labels []string
	}{
		{"numeric label", "a,b,price\n1,2,3.5\n4,5,-6e2\n", Options{Label: "price"}, []float32{1, 2, 4, 5}, []float32{3.5, -600}, Numeric, nil},
		{"label forced categorical", "a,cls\n1,10\n2,9\n", Options{Label: "cls", Categorical: []string{"cls"}}, []float32{1, 2}, []float32{0, 1}, Categorical, []string{"10", "9"}},
		{"semicolons and spaces", "a; b;y\n 1; 2;x\n3;4 ;y\n", Options{Label: "y", Comma: ';'}, []float32{1, 2, 3, 4}, []float32{0, 1}, Categorical, []string{"x", "y"}},
		{"byte order mark", "\uFEFFa,y\n7,1\n", Options{Label: "y"}, []float32{7}, []float32{1}, Numeric, nil},
		{"custom missing", "a,y\n,1\n", Options{Label: "y", Missing: []string{"-"}}, nil, nil, Numeric, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tab, err := Read(strings.NewReader(tc.csv), tc.opts)
			if tc.x == nil {
				if err == nil || !strings.Contains(err.Error(), `"" is not a finite float32 number`) {
					t.Errorf("error = %v, want an empty cell rejected as a number", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(tab.X, tc.x) || !slices.Equal(tab.Y, tc.y) {
				t.Errorf("X %v Y %v, want %v %v", tab.X, tab.Y, tc.x, tc.y)
			}
			if tab.Schema.Label.Kind != tc.kind || !slices.Equal(tab.Schema.Label.Categories, tc.labels) {
				t.Errorf("label column %+v, want %v %v", tab.Schema.Label, tc.kind, tc.labels)
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name string
		csv  string
		opts Options
		want string
	}{
		{"empty", "", Options{}, "empty input, want a header row"},
		{"no rows", "a,b\n", Options{}, "no data rows"},
		{"duplicate header", "a,a\n1,2\n", Options{}, `names column "a" twice`},
		{"unnamed column", "a,,c\n1,2,3\n", Options{}, "header column 2 has no name"},
		{"label missing", "a,b\n1,2\n", Options{Label: "y"}, `label column "y" is not in the header (a, b)`},
		{"unknown categorical", "a,b\n1,2\n", Options{Categorical: []string{"c"}}, `categorical column "c" is not in the header`},
		{"not a number", "a,b\n1,2\n3,x\n", Options{}, `line 3, column "b": "x" is not a finite float32 number (name the column in Options.Categorical`},
		{"infinite", "a\n1e39\n", Options{}, `"1e39" is not a finite float32 number`},
		{"inf text", "a\ninf\n", Options{}, `"inf" is not a finite`},
		{"ragged row", "a,b\n1,2\n3\n", Options{}, "wrong number of fields"},
		{"bad quote", "a,b\n1,\"2\n", Options{}, "csvfile: parse error on line 2"},
		{"only label", "y\n1\n", Options{Label: "y"}, "no feature columns left"},
		{"label ignored", "a,y\n1,2\n", Options{Label: "y", Ignore: []string{"y"}}, "both the label and ignored"},
		{"missing values", "age,city,y\n1,NA,a\n,x,b\n3,y,\n4,z,?\n", Options{Label: "y", Categorical: []string{"city"}},
			`csvfile: 4 missing values: line 2 (row 0) column "city", line 3 (row 1) column "age", line 4 (row 2) column "y", line 5 (row 3) column "y"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tc.csv), tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestMissingErrorListsFirstTen(t *testing.T) {
	var b strings.Builder
	b.WriteString("a,b\n")
	for i := 0; i < 25; i++ {
		b.WriteString("1,\n")
	}
	_, err := Read(strings.NewReader(b.String()), Options{})
	var me *MissingError
	if !errors.As(err, &me) {
		t.Fatalf("error = %v, want *MissingError", err)
	}
	if me.Count != 25 || len(me.Cells) != maxListedCells || me.Cells[9].Line != 11 || me.Cells[9].Column != "b" {
		t.Errorf("MissingError = %+v", me)
	}
	if !strings.HasSuffix(err.Error(), "and 15 more") {
		t.Errorf("message = %q", err)
	}
}

func TestSplit(t *testing.T) {
	tab, err := Read(strings.NewReader("a,y\n1,0\n2,1\n3,0\n"), Options{Label: "y"})
	if err != nil {
		t.Fatal(err)
	}
	h, tl, err := tab.Split(1)
	if err != nil {
		t.Fatal(err)
	}
	if h.Rows != 1 || tl.Rows != 2 || !slices.Equal(h.X, []float32{1}) || !slices.Equal(tl.X, []float32{2, 3}) || !slices.Equal(tl.Y, []float32{1, 0}) {
		t.Errorf("split = %+v / %+v", h, tl)
	}
	if _, _, err := tab.Split(4); err == nil {
		t.Error("split past the end gave no error")
	}
}
