//go:build ignore

// Command gen concatenates the op-family sections of this directory into
// docs/ops.md: run it with "cd docs/ops && go run gen.go".
package main

import (
	"bytes"
	"log"
	"os"
)

// sections lists the files in the order they appear in docs/ops.md.
var sections = []string{"core.md", "shape.md", "nn.md", "loss.md", "rnn.md", "amp.md"}

func main() {
	var b bytes.Buffer
	b.WriteString("# Ops\n\nEvery op of the root package `ember`, with its PyTorch equivalent and whether it has a gradient.\n" +
		"Each differentiable op is checked by a float64 finite-difference test and against PyTorch fixtures.\n\n")
	for _, s := range sections {
		data, err := os.ReadFile(s)
		if err != nil {
			log.Fatal(err)
		}
		b.Write(data)
		b.WriteString("\n")
	}
	if err := os.WriteFile("../ops.md", b.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}
