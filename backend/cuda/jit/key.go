package jit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"slices"
	"strings"

	"github.com/emberdl/ember/backend/cuda/nvrtc"
)

// formatVersion changes whenever the cache file format or the meaning of
// its contents changes; old entries then simply stop matching.
const formatVersion = 1

// Request is one compilation: a source file with its headers, the
// template instantiations to name, and NVRTC options other than the
// architecture (which the Target supplies).
type Request struct {
	Name            string
	Source          string
	Headers         []nvrtc.Header
	NameExpressions []string
	Options         []string
}

// Key returns the cache key of req compiled for t by NVRTC version
// compilerVersion: a hex sha256 over every input, each length-prefixed so
// that no two different inputs hash the same bytes. Header and
// name-expression order does not matter; option order does.
func Key(compilerVersion string, t Target, req Request) string {
	h := sha256.New()
	field := func(s string) {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	list := func(tag string, ss []string) {
		field(tag)
		field(strings.Repeat("x", len(ss)))
		for _, s := range ss {
			field(s)
		}
	}
	field("ember-jit")
	field(string(rune('0' + formatVersion)))
	field(compilerVersion)
	field(t.String())
	list("options", req.Options)
	field(req.Name)
	field(req.Source)
	headers := slices.Clone(req.Headers)
	slices.SortFunc(headers, func(a, b nvrtc.Header) int { return strings.Compare(a.Name, b.Name) })
	field("headers")
	for _, hd := range headers {
		field(hd.Name)
		field(hd.Source)
	}
	exprs := slices.Clone(req.NameExpressions)
	slices.Sort(exprs)
	list("names", exprs)
	return hexSum(h)
}

func hexSum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }
