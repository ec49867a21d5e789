package jit

import (
	"bytes"
	"testing"

	"github.com/emberdl/ember/backend/cuda/internal/cudatest"
	"github.com/emberdl/ember/backend/cuda/nvrtc"
)

func TestRealNVRTCThroughTheCache(t *testing.T) {
	cudatest.Require(t, "NVRTC", nvrtc.Load())
	archs, err := nvrtc.SupportedArchs()
	if err != nil {
		t.Fatal(err)
	}
	tgt, err := ChooseTarget(90, archs)
	if err != nil {
		t.Fatal(err)
	}
	req := Request{Name: "t.cu", Source: "template <class T> __global__ void k(T* p) { p[0] = T(1); }",
		NameExpressions: []string{"k<float>"}, Options: []string{"-std=c++17"}}
	dir := t.TempDir()
	img, err := New(NVRTC{}, dir).Get(req, tgt)
	if err != nil {
		t.Fatal(err)
	}
	if img.Lowered["k<float>"] != "_Z1kIfEvPT_" {
		t.Errorf("lowered = %v", img.Lowered)
	}
	if tgt.CUBIN != bytes.HasPrefix(img.Data, []byte("\x7fELF")) {
		t.Errorf("target %v but image starts %q", tgt, img.Data[:4])
	}
	c := New(NVRTC{}, dir)
	if _, err := c.Get(req, tgt); err != nil || c.Stats().DiskHits != 1 {
		t.Errorf("second process: %v, stats %+v", err, c.Stats())
	}
}
