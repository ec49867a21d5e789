package emu_test

import (
	"fmt"

	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/backend/cuda/internal/emu"
)

// Build compiles kernel sources for the CPU; the Machine then runs them on
// emulated device memory with the same packed parameters a GPU gets.
func ExampleBuild() {
	bin, err := emu.Build(emu.Sources{
		Files: map[string]string{"k.cu": "__global__ void inc(int* p) { p[threadIdx.x] += 1; }"},
		Units: []emu.Unit{{File: "k.cu", Exprs: []string{"inc"}}},
	})
	if err != nil {
		fmt.Println(err) // no g++
		return
	}
	m, err := emu.Start(bin)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	p, _ := m.Alloc(4 * 32)
	m.Write(p, make([]byte, 4*32))
	err = m.Launch("inc", driver.D1(1), driver.D1(32), driver.NewArgs().Ptr(p).Bytes())
	fmt.Println(err)
}
