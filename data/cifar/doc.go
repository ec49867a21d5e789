// Package cifar reads the CIFAR-10 dataset in its binary form: the batch files
// data_batch_1.bin … data_batch_5.bin and test_batch.bin, either from the
// extracted directory or straight from the cifar-10-binary.tar.gz archive.
//
// Each record is one label byte (0–9) followed by 3072 pixel bytes: the 1024
// red values of the 32×32 image in row-major order, then the 1024 green, then
// the 1024 blue, so images come out channels-first (C×H×W).
//
// Readers check sizes before allocating and report exactly which file and
// which record is wrong. The package does not depend on Ember's tensor type.
package cifar
