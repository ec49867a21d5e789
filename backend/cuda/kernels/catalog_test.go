package kernels

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestOpCodesMatchTheCUDAEnums reads the op-code enums of
// ember_elementwise.cu and checks the Go constants against them.
func TestOpCodesMatchTheCUDAEnums(t *testing.T) {
	src, err := Source("ember_elementwise.cu")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ns    string
		names []string
	}{{"uop", unaryNames[:]}, {"bop", binaryNames[:]}, {"cop", compareNames[:]}} {
		start := strings.Index(src, "namespace "+tc.ns+" {")
		if start < 0 {
			t.Fatalf("no namespace %s", tc.ns)
		}
		body := src[start : start+strings.Index(src[start:], "}")]
		re := regexp.MustCompile(`(\w+) = (\d+)`)
		m := re.FindAllStringSubmatch(body, -1)
		if len(m) != len(tc.names) {
			t.Errorf("%s: %d codes in CUDA, %d in Go", tc.ns, len(m), len(tc.names))
			continue
		}
		for _, e := range m {
			v, _ := strconv.Atoi(e[2])
			if v >= len(tc.names) || tc.names[v] != e[1] {
				t.Errorf("%s::%s = %d does not match Go", tc.ns, e[1], v)
			}
		}
	}
}

func TestCatalogNamesAreUnique(t *testing.T) {
	seen := map[string]bool{}
	n := 0
	for _, u := range Catalog() {
		if _, err := Source(u.File); err != nil {
			t.Error(err)
		}
		for _, e := range u.Exprs {
			if seen[e] {
				t.Errorf("%s listed twice", e)
			}
			seen[e] = true
			n++
		}
	}
	if n < 150 {
		t.Errorf("catalog has %d kernels", n)
	}
	if got := UnaryKernel(BF16).Expr; got != "ember::unary<ember::bf16>" {
		t.Errorf("UnaryKernel(BF16) = %q", got)
	}
	if got := CastKernel(I64, Bool).Expr; got != "ember::cast<ember::i64, ember::boolean>" {
		t.Errorf("CastKernel = %q", got)
	}
}

func TestEmulatorBuilds(t *testing.T) {
	device(t)
}
