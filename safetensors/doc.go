// Package safetensors reads and writes the safetensors file format
// (https://github.com/huggingface/safetensors): an 8-byte little-endian header
// length N, N bytes of a JSON header that names every tensor's dtype, shape and
// byte range, then the raw little-endian, row-major tensor bytes.
//
// The package works on raw bytes, dtype names and shapes only; turning them
// into tensors is the caller's business.
//
// Readers never trust a header. [Read] and [Open] check the header length
// against the 100 MB cap and the real file size before allocating anything,
// parse the JSON strictly (one object, no duplicate keys, __metadata__ only
// string to string), and check every tensor: a known dtype, a shape whose
// element count does not overflow, begin <= end, a byte length equal to
// elements × dtype size, and a layout in which the tensors cover the data
// section exactly, with no overlap, no gap and nothing after the last one, as
// the reference implementation enforces. Every failure is an error wrapping
// [ErrFormat] that names the tensor and what was wrong with it.
//
// [Write] and [WriteFile] produce the canonical layout of the reference writer,
// byte for byte: tensors ordered by dtype alignment (largest first) then by
// name, compact JSON with __metadata__ first, and the header padded with
// spaces to a multiple of 8 bytes so that every tensor starts aligned.
// WriteFile replaces its target atomically.
package safetensors
