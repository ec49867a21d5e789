package safetensors

import (
	"cmp"
	"slices"
)

// checkTensors validates every entry on its own, in header order, then the
// layout of all of them together against a data section of dataLen bytes.
func checkTensors(tensors []TensorInfo, dataLen int64) error {
	for _, t := range tensors {
		if err := checkEntry(t, dataLen); err != nil {
			return err
		}
	}
	return checkCoverage(tensors, dataLen)
}

// checkEntry checks one tensor: known dtype, sane shape, begin <= end <= the
// data section's length, and a byte range exactly as long as the shape needs.
func checkEntry(t TensorInfo, dataLen int64) error {
	if !t.DType.Valid() {
		return badTensor(t.Name, "unknown dtype %s", quote(string(t.DType)))
	}
	want, err := ByteLen(t.DType, t.Shape)
	if err != nil {
		return badTensor(t.Name, "%v", err)
	}
	begin, end := t.Offsets[0], t.Offsets[1]
	if end < begin {
		return badTensor(t.Name, "data_offsets [%d, %d] end before they begin", begin, end)
	}
	if end > dataLen {
		return badTensor(t.Name, "data_offsets [%d, %d] run past the end of the %d-byte data section",
			begin, end, dataLen)
	}
	if got := end - begin; got != want {
		return badTensor(t.Name, "data_offsets [%d, %d] hold %d bytes, but shape %v of %s needs %d",
			begin, end, got, t.Shape, t.DType, want)
	}
	return nil
}

// checkCoverage checks that the byte ranges, taken in order of offset, tile
// the data section exactly: no overlap, no gap, nothing after the last one.
// Empty tensors may sit at any boundary between ranges.
func checkCoverage(tensors []TensorInfo, dataLen int64) error {
	order := make([]int, len(tensors))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		ta, tb := &tensors[a], &tensors[b]
		return cmp.Or(
			cmp.Compare(ta.Offsets[0], tb.Offsets[0]),
			cmp.Compare(ta.Offsets[1], tb.Offsets[1]),
			cmp.Compare(ta.Name, tb.Name))
	})
	var pos int64 // end of the bytes covered so far
	prev := -1    // the tensor that covers the byte before pos
	for _, i := range order {
		t := &tensors[i]
		begin, end := t.Offsets[0], t.Offsets[1]
		switch {
		case begin > pos && prev < 0:
			return badTensor(t.Name, "data_offsets [%d, %d] leave bytes [0, %d) of the data section unused",
				begin, end, begin)
		case begin > pos:
			return badTensor(t.Name, "data_offsets [%d, %d] leave bytes [%d, %d) unused after tensor %s",
				begin, end, pos, begin, quote(tensors[prev].Name))
		case begin < pos:
			return badTensor(t.Name, "data_offsets [%d, %d] overlap tensor %s, which ends at %d",
				begin, end, quote(tensors[prev].Name), pos)
		}
		if end > begin {
			pos, prev = end, i
		}
	}
	if pos != dataLen {
		if prev < 0 {
			return badFile("data section has %d bytes but no tensor covers them", dataLen)
		}
		return badFile("data section has %d bytes after the last tensor %s, which ends at %d",
			dataLen-pos, quote(tensors[prev].Name), pos)
	}
	return nil
}
