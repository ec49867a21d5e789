package cuda

import (
	"errors"
	"strings"
	"testing"

	"github.com/emberdl/ember/backend/cuda/internal/dl"
)

func TestDoctorOnThisMachine(t *testing.T) {
	r := Doctor()
	text := r.String()
	t.Log("\n" + text)
	if r.Available {
		if len(r.Devices) == 0 || r.DriverVersion == "" {
			t.Errorf("available without devices or version: %+v", r)
		}
		return
	}
	if r.Reason == "" || !strings.HasPrefix(text, "CUDA: unavailable: "+r.Reason) {
		t.Errorf("unavailable without a reason:\n%s", text)
	}
	// Every library that did not load lists where it was looked for.
	for _, l := range []Library{r.Driver, r.NVRTC, r.CUBLASLt} {
		if l.Err != "" && len(l.Attempts) == 0 {
			t.Errorf("%s failed (%s) without a search report", l.Name, l.Err)
		}
		if l.Err == "" && l.Path == "" {
			t.Errorf("%s loaded but has no path", l.Name)
		}
	}
}

func TestLibraryReportFromASearch(t *testing.T) {
	rep := dl.Report{Library: "libnvrtc", Attempts: []dl.Attempt{
		{Path: "/a/libnvrtc.so.12", Source: dl.FromLDPath, Err: "no such file"},
		{Path: "libnvrtc.so.12", Source: dl.FromLoader, Err: "not known to the system loader"},
	}, Hint: "install it"}
	l := library("libnvrtc", nil, &dl.NotFoundError{Report: rep})
	if l.Path != "" || len(l.Attempts) != 2 || l.Attempts[1].Source != dl.FromLoader || !strings.Contains(l.Err, "libnvrtc not found") {
		t.Errorf("library report %+v", l)
	}
	var b strings.Builder
	writeLibrary(&b, l, "")
	want := "libnvrtc: not available: libnvrtc not found in 2 places (install it)\n" +
		"    LD_LIBRARY_PATH  /a/libnvrtc.so.12: no such file\n" +
		"    system loader    libnvrtc.so.12: not known to the system loader\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	// An error that is not a search (a too-old library) keeps its text.
	l = library("libcuda", nil, errors.New("libcuda is too old"))
	if l.Err != "libcuda is too old" || l.Attempts != nil {
		t.Errorf("%+v", l)
	}
}
