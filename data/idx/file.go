package idx

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// File is the content of one IDX file: its element type, its dimensions and
// its elements as raw big-endian bytes in row-major order.
type File struct {
	DType DType  // element type
	Dims  []int  // dimensions, outermost first (MNIST images: N, rows, cols)
	Data  []byte // len(Data) == NumElements() * DType.Size()
}

// New returns a File after checking that dt is a valid type, that dims has
// between 1 and 255 entries that each fit in a uint32, and that data holds
// exactly the number of bytes the dims call for.
func New(dt DType, dims []int, data []byte) (*File, error) {
	if !dt.Valid() {
		return nil, fmt.Errorf("idx: unknown element type code 0x%02x", uint8(dt))
	}
	if len(dims) == 0 || len(dims) > 255 {
		return nil, fmt.Errorf("idx: %d dimensions, want 1 to 255", len(dims))
	}
	for i, d := range dims {
		if d < 0 || uint64(d) > math.MaxUint32 {
			return nil, fmt.Errorf("idx: dimension %d is %d, want 0 to %d", i, d, uint32(math.MaxUint32))
		}
	}
	n, ok := byteCount(dt, dims)
	if !ok || n != int64(len(data)) {
		return nil, fmt.Errorf("idx: %s needs %s bytes but %d were given", describe(dt, dims), sizeString(n, ok), len(data))
	}
	return &File{DType: dt, Dims: append([]int(nil), dims...), Data: data}, nil
}

// NumElements returns the product of the dimensions.
func (f *File) NumElements() int {
	n := 1
	for _, d := range f.Dims {
		n *= d
	}
	return n
}

// Uint8s returns the elements of a uint8 file. The slice shares f.Data.
func (f *File) Uint8s() ([]uint8, error) {
	if err := f.want(Uint8); err != nil {
		return nil, err
	}
	return f.Data, nil
}

// Int8s returns the elements of an int8 file as a new slice.
func (f *File) Int8s() ([]int8, error) {
	if err := f.want(Int8); err != nil {
		return nil, err
	}
	out := make([]int8, len(f.Data))
	for i, b := range f.Data {
		out[i] = int8(b)
	}
	return out, nil
}

// Int16s returns the elements of an int16 file as a new slice.
func (f *File) Int16s() ([]int16, error) {
	if err := f.want(Int16); err != nil {
		return nil, err
	}
	out := make([]int16, len(f.Data)/2)
	for i := range out {
		out[i] = int16(binary.BigEndian.Uint16(f.Data[2*i:]))
	}
	return out, nil
}

// Int32s returns the elements of an int32 file as a new slice.
func (f *File) Int32s() ([]int32, error) {
	if err := f.want(Int32); err != nil {
		return nil, err
	}
	out := make([]int32, len(f.Data)/4)
	for i := range out {
		out[i] = int32(binary.BigEndian.Uint32(f.Data[4*i:]))
	}
	return out, nil
}

// Float32s returns the elements of a float32 file as a new slice.
func (f *File) Float32s() ([]float32, error) {
	if err := f.want(Float32); err != nil {
		return nil, err
	}
	out := make([]float32, len(f.Data)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.BigEndian.Uint32(f.Data[4*i:]))
	}
	return out, nil
}

// Float64s returns the elements of a float64 file as a new slice.
func (f *File) Float64s() ([]float64, error) {
	if err := f.want(Float64); err != nil {
		return nil, err
	}
	out := make([]float64, len(f.Data)/8)
	for i := range out {
		out[i] = math.Float64frombits(binary.BigEndian.Uint64(f.Data[8*i:]))
	}
	return out, nil
}

// AsFloat64 converts the elements of a file of any type to float64.
func (f *File) AsFloat64() []float64 {
	size := f.DType.Size()
	if size == 0 {
		return nil
	}
	out := make([]float64, len(f.Data)/size)
	for i := range out {
		b := f.Data[i*size:]
		switch f.DType {
		case Uint8:
			out[i] = float64(b[0])
		case Int8:
			out[i] = float64(int8(b[0]))
		case Int16:
			out[i] = float64(int16(binary.BigEndian.Uint16(b)))
		case Int32:
			out[i] = float64(int32(binary.BigEndian.Uint32(b)))
		case Float32:
			out[i] = float64(math.Float32frombits(binary.BigEndian.Uint32(b)))
		case Float64:
			out[i] = math.Float64frombits(binary.BigEndian.Uint64(b))
		}
	}
	return out
}

func (f *File) want(dt DType) error {
	if f.DType != dt {
		return fmt.Errorf("idx: data is %s, not %s", f.DType, dt)
	}
	return nil
}

// byteCount returns the payload size that dims of type dt call for, and false
// if it does not fit in an int64.
func byteCount(dt DType, dims []int) (int64, bool) {
	n := int64(dt.Size())
	for _, d := range dims {
		if d != 0 && n > math.MaxInt64/int64(d) {
			return 0, false
		}
		n *= int64(d)
	}
	return n, true
}

// describe formats dims as "60000×28×28", followed by the element type when
// it is not uint8.
func describe(dt DType, dims []int) string {
	parts := make([]string, len(dims))
	for i, d := range dims {
		parts[i] = strconv.Itoa(d)
	}
	s := strings.Join(parts, "×")
	if dt != Uint8 {
		s += " " + dt.String()
	}
	return s
}

func sizeString(n int64, ok bool) string {
	if !ok {
		return "more than 2^63"
	}
	return strconv.FormatInt(n, 10)
}
