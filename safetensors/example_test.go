package safetensors_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"

	"github.com/emberdl/ember/safetensors"
)

func Example() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.safetensors")

	// Two float32 weights and an int64 step counter.
	weight := make([]byte, 0, 8)
	for _, v := range []float32{0.5, -1.25} {
		weight = binary.LittleEndian.AppendUint32(weight, math.Float32bits(v))
	}
	step := binary.LittleEndian.AppendUint64(nil, 1000)
	err = safetensors.WriteFile(path, []safetensors.Tensor{
		{Name: "linear.weight", DType: safetensors.F32, Shape: []int{1, 2}, Data: weight},
		{Name: "step", DType: safetensors.I64, Shape: []int{}, Data: step},
	}, map[string]string{"format": "pt"})
	if err != nil {
		log.Fatal(err)
	}

	f, err := safetensors.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	fmt.Println("metadata:", f.Metadata)
	for _, t := range f.Tensors {
		fmt.Println(t.Name, t.DType, t.Shape, t.Offsets)
	}
	data, err := f.Bytes("linear.weight")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(math.Float32frombits(binary.LittleEndian.Uint32(data[4:])))
	// Output:
	// metadata: map[format:pt]
	// linear.weight F32 [1 2] [8 16]
	// step I64 [] [0 8]
	// -1.25
}

func ExampleByteLen() {
	n, err := safetensors.ByteLen(safetensors.BF16, []int{4096, 11008})
	fmt.Println(n, err)
	_, err = safetensors.ByteLen(safetensors.F4, []int{3})
	fmt.Println(err)
	// Output:
	// 90177536 <nil>
	// shape [3] of F4: 3 elements of 4 bits do not fill whole bytes
}

func ExampleWrite() {
	var buf bytes.Buffer
	err := safetensors.Write(&buf, []safetensors.Tensor{
		{Name: "mask", DType: safetensors.Bool, Shape: []int{2}, Data: []byte{1, 0}},
		{Name: "bias", DType: safetensors.F32, Shape: []int{1}, Data: []byte{0, 0, 128, 63}},
	}, nil)
	if err != nil {
		log.Fatal(err)
	}
	b := buf.Bytes()
	n := binary.LittleEndian.Uint64(b)
	fmt.Printf("%d-byte header: %q\n", n, b[8:8+n])
	fmt.Println("data:", b[8+n:])
	// Output:
	// 120-byte header: "{\"bias\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"mask\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[4,6]}}      "
	// data: [0 0 128 63 1 0]
}
