package kernels

import (
	"bytes"
	"testing"
)

// TestPrebuiltPTXCoversTheCatalog needs no NVRTC: the shipped PTX must hold
// every kernel of the catalog under the name the index gives.
func TestPrebuiltPTXCoversTheCatalog(t *testing.T) {
	pre, version, err := PrebuiltPTX()
	if err != nil {
		t.Fatal(err)
	}
	if version == "" {
		t.Error("index does not say which NVRTC made it")
	}
	byFile := map[string]Prebuilt{}
	for _, p := range pre {
		byFile[p.File] = p
		if !bytes.Contains(p.PTX, []byte(".target sm_80")) {
			t.Errorf("%s: PTX is not for sm_80", p.File)
		}
	}
	for _, u := range Catalog() {
		p, ok := byFile[u.File]
		if !ok {
			t.Errorf("no prebuilt PTX for %s", u.File)
			continue
		}
		entries := ptxEntries(p.PTX)
		for _, e := range u.Exprs {
			if low := p.Lowered[e]; low == "" || !entries[low] {
				t.Errorf("%s: %s (%q) missing from the prebuilt PTX", u.File, e, low)
			}
		}
		if len(entries) != len(u.Exprs) {
			t.Errorf("%s: prebuilt PTX has %d kernels, the catalog %d", u.File, len(entries), len(u.Exprs))
		}
	}
}

func TestNormalizePTX(t *testing.T) {
	in := "\t{ // callseq 7, 0\n\tcall.uni f;\n\t} // callseq 7\n\tret; // kept\n"
	want := "\t{\n\tcall.uni f;\n\t}\n\tret; // kept\n"
	if got := string(NormalizePTX([]byte(in))); got != want {
		t.Errorf("NormalizePTX = %q, want %q", got, want)
	}
}
