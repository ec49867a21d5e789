// Package models is Ember's model zoo: the reference architectures of the
// project's benchmarks, ready to train, save and load by PyTorch state-dict
// key.
//
//   - MLP: 784-512-256-10 with ReLU (bench/pytorch/mlp_fmnist.py).
//   - CNN: conv(1→32)-ReLU-pool-conv(32→64)-ReLU-pool-fc(3136→128)-ReLU-fc(128→10)
//     (bench/pytorch/cnn_fmnist.py).
//   - ResNet: a CIFAR-style ResNet (He et al. 2016, §4.2) of depth 6n+2 with
//     BasicBlocks and BatchNorm, keyed as torchvision's resnets.
//   - GPTChar: the byte-level GPT-2-style decoder of bench/pytorch/gpt_char.py,
//     with greedy generation through a KV cache.
//
// The MLP and the CNN use the keys of the nn.Sequential that the reference
// scripts build ("0.weight", "0.bias", "3.weight", ...), so a state dict
// saved from those scripts loads by name. Every model initialises its
// parameters from the same distributions as its PyTorch counterpart.
//
// New builds a model by registry name ("mlp", "cnn", "resnet", "gpt-char")
// from a Config, and InputShape gives the shape of one input example, which
// is what nn.Summary needs.
package models
