package models_test

import (
	"fmt"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/models"
	"github.com/emberdl/ember/nn"
)

func ExampleNew() {
	m, err := models.New("cnn", models.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	shape, _ := models.InputShape("cnn", models.Config{})
	fmt.Println("input", shape, "parameters", nn.NumParams(m, false))
	fmt.Println("first keys:", nn.StateDict(m)[0].Name, nn.StateDict(m)[1].Name)
	logits := m.Forward(ember.Zeros(append([]int{8}, shape...)))
	fmt.Println("logits", logits.Shape())
	// Output:
	// input [1 28 28] parameters 421642
	// first keys: 0.weight 0.bias
	// logits [8 10]
}

func ExampleGPTChar_Generate() {
	m := models.NewGPTChar(models.GPTConfig{Layers: 2, Heads: 2, Embd: 32, BlockSize: 16}, ember.NewGenerator(1))
	a, _ := m.Generate([]byte("func "), 20, false)
	b, _ := m.Generate([]byte("func "), 20, true)
	fmt.Println(len(a), string(a[:11]) == string(b[:11]))
	// Output: 20 true
}
