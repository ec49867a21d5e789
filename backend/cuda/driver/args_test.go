package driver

import (
	"encoding/binary"
	"math"
	"testing"
)

func TestArgsLayout(t *testing.T) {
	// Offsets worked out by hand from the C rule: each parameter at the next
	// multiple of its alignment.
	type strided struct {
		Shape  [3]int64
		Stride [3]int64
		Rank   int32
		_      int32
	}
	s := strided{Shape: [3]int64{2, 3, 4}, Stride: [3]int64{12, 4, 1}, Rank: 3}
	a := NewArgs()
	a.I32(-7)                 // 0..4
	a.Ptr(0x1122334455667788) // 8..16 (aligned up from 4)
	a.F32(1.5)                // 16..20
	a.F64(-2.25)              // 24..32
	a.U32(9)                  // 32..36
	ArgStruct(a, &s)          // 40..96 (8-aligned, 56 bytes)
	a.Raw([]byte{1, 2, 3}, 1) // 96..99
	a.U64(5)                  // 104..112
	if err := a.Err(); err != nil {
		t.Fatal(err)
	}
	b := a.Bytes()
	if len(b) != 112 {
		t.Fatalf("len = %d, want 112", len(b))
	}
	le := binary.LittleEndian
	checks := []struct {
		name      string
		got, want uint64
	}{
		{"i32", uint64(le.Uint32(b[0:])), uint64(uint32(0xfffffff9))},
		{"pad", uint64(le.Uint32(b[4:])), 0},
		{"ptr", le.Uint64(b[8:]), 0x1122334455667788},
		{"f32", uint64(le.Uint32(b[16:])), uint64(math.Float32bits(1.5))},
		{"f64", le.Uint64(b[24:]), math.Float64bits(-2.25)},
		{"u32", uint64(le.Uint32(b[32:])), 9},
		{"shape[0]", le.Uint64(b[40:]), 2},
		{"shape[2]", le.Uint64(b[56:]), 4},
		{"stride[0]", le.Uint64(b[64:]), 12},
		{"stride[2]", le.Uint64(b[80:]), 1},
		{"rank", uint64(le.Uint32(b[88:])), 3},
		{"raw", uint64(b[96]) | uint64(b[97])<<8 | uint64(b[98])<<16, 0x030201},
		{"u64", le.Uint64(b[104:]), 5},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %#x, want %#x", c.name, c.got, c.want)
		}
	}
}

func TestArgsResetClearsPadding(t *testing.T) {
	a := NewArgs()
	a.U64(math.MaxUint64).U64(math.MaxUint64)
	a.Reset().U32(1).U64(2)
	b := a.Bytes()
	if got := binary.LittleEndian.Uint32(b[4:]); got != 0 {
		t.Errorf("padding after reuse = %#x, want 0", got)
	}
}

func TestArgsOverflow(t *testing.T) {
	a := NewArgs()
	for i := 0; i < MaxParamBytes/8; i++ {
		a.U64(uint64(i))
	}
	if err := a.Err(); err != nil {
		t.Fatalf("exactly full: %v", err)
	}
	a.U32(1)
	if a.Err() == nil {
		t.Fatal("no error after overflow")
	}
	if err := Function(1).Launch(D1(1), D1(1), 0, 0, a); err == nil {
		t.Error("Launch accepted overflowing parameters")
	}
	if a.Reset().Raw([]byte{1}, 3).Err() == nil {
		t.Error("alignment 3 accepted")
	}
}
