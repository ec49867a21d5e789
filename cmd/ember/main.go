// Command ember trains, evaluates and benchmarks Ember models from the
// command line.
//
//	ember train                      # the CNN on Fashion-MNIST, 10 epochs, on the best device
//	ember train --model mlp --epochs 10 --out runs/mlp
//	ember train --model gpt-char --dataset text:notes.txt
//	ember eval --model-file runs/mlp/model.safetensors
//	ember predict --model-file runs/cnn/model.safetensors shoe.png shirt.jpg
//	ember summary --model resnet
//	ember info
//	ember bench mlp_fmnist gemm --json
//
// Run "ember help COMMAND" for each command's flags. Ctrl-C during
// training stops at the next step boundary and writes a checkpoint that
// "ember train --resume" continues from.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
