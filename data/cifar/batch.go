package cifar

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// Sizes of one CIFAR-10 record.
const (
	Width       = 32
	Height      = 32
	Channels    = 3
	ImageBytes  = Width * Height * Channels // 3072 pixel bytes per image
	RecordBytes = 1 + ImageBytes            // label byte + pixels
	NumClasses  = 10
)

// MaxBatchBytes is the largest batch file the readers accept (about 30 times
// the 30,730,000 bytes of an official batch), so a lying size cannot make
// them allocate without bound.
const MaxBatchBytes int64 = 1 << 30

// officialBatchRecords is the number of records in each official batch file.
const officialBatchRecords = 10000

// Classes names the ten labels in index order.
var Classes = [NumClasses]string{
	"airplane", "automobile", "bird", "cat", "deer",
	"dog", "frog", "horse", "ship", "truck",
}

// Batch holds a sequence of labelled images.
type Batch struct {
	Labels []uint8 // one label per image, each < NumClasses
	Images []uint8 // len(Labels)*ImageBytes bytes, each image C×H×W
}

// Len returns the number of images.
func (b *Batch) Len() int { return len(b.Labels) }

// Image returns the 3072 pixel bytes of image i (sharing b.Images).
func (b *Batch) Image(i int) []uint8 {
	return b.Images[i*ImageBytes : (i+1)*ImageBytes]
}

// concat joins batches in order into one new batch.
func concat(parts []*Batch) *Batch {
	n := 0
	for _, p := range parts {
		n += p.Len()
	}
	out := &Batch{Labels: make([]uint8, 0, n), Images: make([]uint8, 0, n*ImageBytes)}
	for _, p := range parts {
		out.Labels = append(out.Labels, p.Labels...)
		out.Images = append(out.Images, p.Images...)
	}
	return out
}

// ReadBatch reads records from r until its end. The stream must hold a whole
// number of records, at least one, and every label must be below NumClasses.
func ReadBatch(r io.Reader) (*Batch, error) {
	return readRecords(r, -1)
}

// ReadBatchFile reads the batch file at path.
func ReadBatchFile(path string) (*Batch, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cifar: %w", err)
	}
	defer f.Close()
	b, err := ReadBatch(f)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return b, nil
}

// readRecords reads records from r. When size >= 0 it is the number of bytes
// r is declared to hold (a tar entry's size) and is checked up front.
func readRecords(r io.Reader, size int64) (*Batch, error) {
	if size >= 0 {
		if size%RecordBytes != 0 {
			return nil, fmt.Errorf("cifar: batch size %d is not a multiple of the %d-byte record", size, RecordBytes)
		}
		if size > MaxBatchBytes {
			return nil, fmt.Errorf("cifar: batch size %d is over the limit of %d bytes", size, MaxBatchBytes)
		}
	}
	b := &Batch{}
	if size > 0 {
		// Reserve room for what the header declares, but no more than an
		// official batch: a lying header must not cause a huge allocation.
		n := int(min(size/RecordBytes, officialBatchRecords))
		b.Labels = make([]uint8, 0, n)
		b.Images = make([]uint8, 0, n*ImageBytes)
	}
	var rec [RecordBytes]byte
	var total int64
	for {
		n, err := io.ReadFull(r, rec[:])
		total += int64(n)
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("cifar: batch ends inside record %d: %d bytes is not a multiple of the %d-byte record", b.Len(), total, RecordBytes)
		}
		if err != nil {
			return nil, fmt.Errorf("cifar: reading record %d: %w", b.Len(), err)
		}
		if total > MaxBatchBytes {
			return nil, fmt.Errorf("cifar: batch is over the limit of %d bytes", MaxBatchBytes)
		}
		if rec[0] >= NumClasses {
			return nil, fmt.Errorf("cifar: record %d has label %d, want 0 to %d", b.Len(), rec[0], NumClasses-1)
		}
		b.Labels = append(b.Labels, rec[0])
		b.Images = append(b.Images, rec[1:]...)
	}
	if size >= 0 && total != size {
		return nil, fmt.Errorf("cifar: batch declared %d bytes but holds %d", size, total)
	}
	if b.Len() == 0 {
		return nil, errors.New("cifar: batch holds no records")
	}
	return b, nil
}
