package philox

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// katVector is one line of Random123's known-answer file.
type katVector struct {
	rounds int
	ctr    [4]uint32
	key    [2]uint32
	want   [4]uint32
}

func readKAT(t *testing.T) []katVector {
	t.Helper()
	f, err := os.Open("testdata/kat_vectors.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []katVector
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		if fields[0] != "philox4x32" || len(fields) != 12 {
			t.Fatalf("bad KAT line %q", sc.Text())
		}
		var v katVector
		var err error
		if v.rounds, err = strconv.Atoi(fields[1]); err != nil {
			t.Fatal(err)
		}
		words := make([]uint32, 10)
		for i := range words {
			x, err := strconv.ParseUint(fields[2+i], 16, 32)
			if err != nil {
				t.Fatal(err)
			}
			words[i] = uint32(x)
		}
		copy(v.ctr[:], words[0:4])
		copy(v.key[:], words[4:6])
		copy(v.want[:], words[6:10])
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestKnownAnswers(t *testing.T) {
	vecs := readKAT(t)
	var n10 int
	for _, v := range vecs {
		if got := blockRounds(v.ctr, v.key, v.rounds); got != v.want {
			t.Errorf("philox4x32-%d(%08x, %08x) = %08x, want %08x", v.rounds, v.ctr, v.key, got, v.want)
		}
		if v.rounds != 10 {
			continue
		}
		n10++
		if got := Block(v.ctr, v.key); got != v.want {
			t.Errorf("Block(%08x, %08x) = %08x, want %08x", v.ctr, v.key, got, v.want)
		}
		lo := uint64(v.ctr[0]) | uint64(v.ctr[1])<<32
		hi := uint64(v.ctr[2]) | uint64(v.ctr[3])<<32
		c0, c1, c2, c3 := block10(lo, hi, v.key[0], v.key[1])
		if got := [4]uint32{c0, c1, c2, c3}; got != v.want {
			t.Errorf("block10(%08x, %08x) = %08x, want %08x", v.ctr, v.key, got, v.want)
		}
	}
	if n10 < 50 {
		t.Fatalf("only %d ten-round vectors read", n10)
	}
}
