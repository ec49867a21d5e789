// Package data feeds training: datasets of tensors, loaders that batch,
// shuffle and prefetch them on background goroutines, and transforms for
// augmentation. The file formats and downloads live in the subpackages
// (idx, cifar, csvfile, textfile, download, datasets); this package turns
// them into tensors.
//
// A loader is a Go iterator:
//
//	loader := &data.Loader{Dataset: train, BatchSize: 128, Shuffle: true, Seed: 1, Workers: 2}
//	for batch, err := range loader.Epoch(ctx, epoch) {
//		if err != nil { ... }
//		x, y := batch[0], batch[1]
//		...
//	}
//
// Batches come out in order whatever the number of workers, and the same
// seed and epoch give the same batches (the shuffle and every random
// transform are drawn from generators derived from them).
package data
