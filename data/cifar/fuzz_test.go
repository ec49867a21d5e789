package cifar

import (
	"bytes"
	"compress/gzip"
	"testing"
)

// FuzzReadBatch checks that any accepted batch is self-consistent.
func FuzzReadBatch(f *testing.F) {
	f.Add(record(1, 2))
	f.Add(append(record(9, 0), record(0, 255)...))
	f.Add([]byte{10})
	f.Fuzz(func(t *testing.T, in []byte) {
		b, err := ReadBatch(bytes.NewReader(in))
		if err != nil {
			return
		}
		if len(b.Images) != b.Len()*ImageBytes || len(in) != b.Len()*RecordBytes {
			t.Fatalf("%d labels, %d pixel bytes from %d input bytes", b.Len(), len(b.Images), len(in))
		}
		for i, l := range b.Labels {
			if l >= NumClasses || l != in[i*RecordBytes] {
				t.Fatalf("label %d = %d", i, l)
			}
		}
	})
}

// FuzzReadArchive feeds arbitrary bytes (seeded with small valid archives,
// plain and gzipped) to the archive reader; it must never panic and must
// return all six batches or an error. Seeds are kept small because the fuzz
// engine minimises large inputs very slowly.
func FuzzReadArchive(f *testing.F) {
	small := map[string][]byte{}
	all := append(append([]string(nil), TrainFiles...), TestFile)
	for i, n := range all {
		small[n] = record(byte(i), byte(i))
	}
	plain := makeArchive(f, small, all)
	f.Add(plain)
	var zipped bytes.Buffer
	gz := gzip.NewWriter(&zipped)
	gz.Write(plain)
	gz.Close()
	f.Add(zipped.Bytes())
	f.Fuzz(func(t *testing.T, in []byte) {
		ds, err := ReadArchive(bytes.NewReader(in))
		if err != nil {
			return
		}
		if ds.Train.Len() < 5 || ds.Test.Len() < 1 || len(ds.Train.Images) != ds.Train.Len()*ImageBytes {
			t.Fatalf("accepted dataset with %d train and %d test images", ds.Train.Len(), ds.Test.Len())
		}
	})
}
