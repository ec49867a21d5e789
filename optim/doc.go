// Package optim is torch.optim for Ember: optimizers, learning-rate
// schedules and gradient clipping.
//
// # Optimizers
//
// SGD, Adam, AdamW, RMSprop, Adagrad and Lion follow PyTorch's formulas,
// defaults and order of operations (Lion, which PyTorch lacks, follows
// Chen et al. 2023). Each update is one fused kernel per parameter
// (ember.OptimStep), or on CUDA one launch for up to 36 parameters
// (ember.OptimSteps, PyTorch's multi-tensor step); parameters whose
// gradient is nil are skipped, state tensors are created on a parameter's
// first update and reused after, so a step allocates nothing per parameter
// in steady state.
//
//	opt := optim.NewAdamW(nn.Parameters(model), optim.AdamOptions{LR: 3e-4})
//	for ... {
//		opt.ZeroGrad()
//		loss := lossOf(model, batch)
//		loss.Backward()
//		optim.ClipGradNorm(opt.Params(), 1, 2)
//		opt.Step()
//	}
//
// # Options and defaults
//
// Each optimizer takes an options struct (SGDOptions, AdamOptions, ...). A
// field left at zero takes PyTorch's default for that optimizer (Adam's LR
// 1e-3, AdamW's WeightDecay 1e-2, ...). Where PyTorch's default is not zero
// but zero is a meaningful setting (AdamW without weight decay, a first
// beta of 0), set the field to Zero: it is negative zero, so it equals 0
// wherever it is used as a number, and the constructors read its sign as
// "zero, not the default". Negative values are rejected as PyTorch rejects
// them. SGD's LR has no default and must be set.
//
// # Parameter groups
//
// NewAdamGroups (and its siblings) take Group values, each a list of
// parameters with its own complete options; groups that share most
// settings copy one options value and change a field:
//
//	decay := optim.AdamOptions{LR: 1e-3}
//	noDecay := decay
//	noDecay.WeightDecay = optim.Zero
//	opt := optim.NewAdamWGroups(optim.NewGroup(weights, decay), optim.NewGroup(biases, noDecay))
//
// # Resuming
//
// StateDict returns a snapshot: per-parameter step counts and the group
// hyper-parameters as JSON-able fields, and the state tensors in a map
// keyed like "state.3.exp_avg" (3 is the parameter's index counting
// through all groups in order), so a checkpoint writer can store the
// tensors as safetensors and the rest as JSON metadata. LoadStateDict
// restores it (validating everything, since it may come from a file), and
// training then continues bit-identically.
//
// # Schedules
//
// Learning-rate schedules live in this package too, as PyTorch's live in
// torch.optim.lr_scheduler: StepLR, MultiStepLR, ExponentialLR,
// CosineAnnealingLR, LinearLR (linear warm-up or decay), OneCycleLR,
// SequentialLR (and NewWarmupCosine, a LinearLR warm-up followed by cosine
// annealing), each a Scheduler; and ReduceLROnPlateau, which steps on a
// metric. A schedule sets the learning rate of every group at construction
// (its value for epoch 0) and on each Step, with PyTorch's recursive
// ("chainable") formulas, so schedules compose as they do in PyTorch. Call
// the optimizer's Step before the schedule's.
//
// # Clipping
//
// ClipGradNorm rescales gradients so that their total p-norm is at most a
// bound (ClipGradNormChecked refuses a non-finite norm instead), and
// ClipGradValue clamps each gradient element.
package optim
