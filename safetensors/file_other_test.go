//go:build !unix

package safetensors

// canMap says whether Open memory-maps files on this system.
const canMap = false
