// Package idx reads and writes IDX files, the simple big-endian tensor format
// of the MNIST and Fashion-MNIST datasets.
//
// An IDX file is a 4-byte magic number (two zero bytes, an element type code
// and the number of dimensions), one big-endian uint32 per dimension, then the
// elements in row-major order, big-endian. Files are often gzipped; Read
// detects gzip by its magic bytes and decompresses transparently.
//
// The reader never trusts the header: the declared size is checked against a
// limit before anything is allocated, the payload is read in bounded chunks so
// a file that lies about its size fails with a clear error instead of a huge
// allocation, and bytes after the declared payload are an error.
//
// The package does not depend on Ember's tensor type: it returns the
// dimensions and the raw element bytes, with typed accessors.
package idx
