// Package datasets finds, downloads and reads well-known image datasets:
// Fashion-MNIST, MNIST and CIFAR-10. A dataset is searched for, in order, in
//
//  1. the directory given in Options.Dir (or its <name> subdirectory),
//  2. $EMBER_DATA/<name>,
//  3. the user cache, os.UserCacheDir()/ember/datasets/<name>,
//  4. directories where operating system packages install it (Debian's
//     dataset-fashion-mnist puts Fashion-MNIST in /usr/share/datasets/fashion-mnist),
//
// and, when none holds it and Options.Download is set, downloaded from its
// official sources into $EMBER_DATA/<name> (if set) or the user cache, each
// file checked against its published SHA-256. When nothing works the error
// lists every place looked at and why it did not serve.
//
// FashionMNISTSample returns a small Fashion-MNIST subset embedded in the
// binary, so that examples and smoke tests run anywhere without a download.
//
// Images come back as uint8 arrays laid out N×C×H×W (channels first, as in
// PyTorch); the package does not depend on Ember's tensor type.
package datasets
