package cuda

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/emberdl/ember/backend"
)

// smallStager returns a stager with 8-byte slots whose events are named
// in r's log ("slot0", "slot1", "order").
func smallStager(t *testing.T, b *Backend, r *recGPU, copyStream string) *stager {
	t.Helper()
	s := b.up
	if copyStream == "d2h" {
		s = b.down
	}
	st := newStager(r, s.stream, b.compute, 8)
	if err := st.init(); err != nil {
		t.Fatal(err)
	}
	for i, sl := range st.slots {
		r.label(uintptr(sl.ev), "slot"+string(rune('0'+i)))
	}
	r.label(uintptr(st.order), "order")
	t.Cleanup(st.close)
	r.calls()
	return st
}

func TestUploadChunksThroughTheRing(t *testing.T) {
	b, r := recBackend(t, 1<<30)
	st := smallStager(t, b, r, "h2d")
	buf := b.Alloc(backend.Uint8, 20).(*Buffer)
	src := []byte("abcdefghijklmnopqrst")
	if err := st.upload(buf.ptr(), src); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"copyHtoD +0 8 bytes on h2d", "recordEvent slot0 on h2d",
		"copyHtoD +0 8 bytes on h2d", "recordEvent slot1 on h2d",
		"waitEvent slot0", // the ring wrapped: slot 0's copy must be done
		"copyHtoD +0 4 bytes on h2d", "recordEvent slot0 on h2d",
		"recordEvent order on h2d", "streamWait compute for order",
	}
	if got := only(r.calls(), "copyHtoD", "recordEvent", "waitEvent", "streamWait"); !slices.Equal(got, want) {
		t.Errorf("upload calls:\n%q\nwant\n%q", got, want)
	}
	got := make([]byte, 20)
	b.ToHost(backend.Dense(buf, 20), got)
	if !bytes.Equal(got, src) {
		t.Errorf("device holds %q, want %q", got, src)
	}
	// The next upload waits for the slot it reuses.
	r.calls()
	if err := st.upload(buf.ptr(), []byte("xy")); err != nil {
		t.Fatal(err)
	}
	if got := only(r.calls(), "waitEvent"); !slices.Equal(got, []string{"waitEvent slot1"}) {
		t.Errorf("second upload waits %q, want slot1", got)
	}
}

func TestDownloadOrdersAfterComputeAndDrainsInOrder(t *testing.T) {
	b, r := recBackend(t, 1<<30)
	st := smallStager(t, b, r, "d2h")
	src := []byte("0123456789ABCDEFGHIJKLMNOPQ")
	buf := b.FromHost(backend.Uint8, src).(*Buffer)
	r.calls()
	got := make([]byte, len(src))
	if err := st.download(got, buf.ptr()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, src) {
		t.Errorf("downloaded %q, want %q", got, src)
	}
	want := []string{
		"recordEvent order on compute", "streamWait d2h for order",
		"copyDtoH 8 bytes on d2h", "recordEvent slot0 on d2h",
		"copyDtoH 8 bytes on d2h", "recordEvent slot1 on d2h",
		"waitEvent slot0", "copyDtoH 8 bytes on d2h", "recordEvent slot0 on d2h",
		"waitEvent slot1", "copyDtoH 3 bytes on d2h", "recordEvent slot1 on d2h",
		"waitEvent slot0", "waitEvent slot1",
	}
	if got := only(r.calls(), "copyDtoH", "recordEvent", "waitEvent", "streamWait"); !slices.Equal(got, want) {
		t.Errorf("download calls:\n%q\nwant\n%q", got, want)
	}
}

func TestTransfersUseTheirStreams(t *testing.T) {
	b, r := recBackend(t, 1<<30)
	r.calls()
	vals := []float32{1, 2, 3, 4, 5, 6}
	buf := b.FromHost(backend.Float32, vals)
	log := r.calls()
	if got := only(log, "copyHtoD", "streamWait"); !slices.Equal(got, []string{"copyHtoD +0 24 bytes on h2d", "streamWait compute for #" + got[1][len("streamWait compute for #"):]}) {
		t.Errorf("FromHost: %q", got)
	}
	// A strided read copies on the compute stream, then downloads on d2h.
	out := make([]float32, 3)
	b.ToHost(backend.View{Buf: buf, Shape: []int{3}, Strides: []int{2}, Offset: 1}, out)
	if !slices.Equal(out, []float32{2, 4, 6}) {
		t.Errorf("strided ToHost = %v", out)
	}
	log = r.calls()
	if got := only(log, "launch", "copyDtoH"); !slices.Equal(got, []string{"launch grid 1 block 256 on compute", "copyDtoH 12 bytes on d2h"}) {
		t.Errorf("strided ToHost: %q", got)
	}
	// An uploaded buffer's memory comes from the h2d pool; when freed, its
	// use on the compute stream is fenced with an event before reuse.
	if err := Free(buf); err != nil {
		t.Fatal(err)
	}
	if got := only(r.calls(), "recordEvent"); len(got) != 1 || !bytes.HasSuffix([]byte(got[0]), []byte("on compute")) {
		t.Errorf("Free of an uploaded buffer records %q, want one event on compute", got)
	}
}

func TestTransferErrorsPanicWithOpError(t *testing.T) {
	b, r := recBackend(t, 1<<30)
	r.fail["copyHtoD"] = errInjected
	err := catchOp(t, func() { b.FromHost(backend.Float32, []float32{1}) })
	if err == nil || err.Op != "FromHost" || !errors.Is(err, errInjected) || err.Device != "cuda:0" {
		t.Errorf("FromHost with a failing copy: %v", err)
	}
	delete(r.fail, "copyHtoD")
	buf := b.FromHost(backend.Float32, []float32{1, 2})
	r.fail["copyDtoH"] = errInjected
	err = catchOp(t, func() { b.ToHost(backend.Dense(buf, 2), make([]float32, 2)) })
	if err == nil || err.Op != "ToHost" || !errors.Is(err, errInjected) {
		t.Errorf("ToHost with a failing copy: %v", err)
	}
	delete(r.fail, "copyDtoH")
	// The stager recovers: the next transfer works.
	got := make([]float32, 2)
	b.ToHost(backend.Dense(buf, 2), got)
	if !slices.Equal(got, []float32{1, 2}) {
		t.Errorf("after the failure: %v", got)
	}
	b2, _ := recBackend(t, 1<<30)
	b2.g.(*recGPU).fail["hostAlloc"] = errInjected
	err = catchOp(t, func() { b2.FromHost(backend.Int32, []int32{1}) })
	if err == nil || !errors.Is(err, errInjected) || !bytes.Contains([]byte(err.Error()), []byte("pinned staging memory")) {
		t.Errorf("FromHost without pinned memory: %v", err)
	}
}
