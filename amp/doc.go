// Package amp is automatic mixed precision's second half: GradScaler, the
// dynamic loss scaler of torch.cuda.amp, for training with float16.
//
// The first half is ember.Autocast, which runs matrix products and
// convolutions in bfloat16 or float16 and keeps reductions, softmax, norms
// and losses in float32, while the parameters (the "master weights") stay
// float32. Float16 has a narrow range: small gradients flush to zero. The
// scaler multiplies the loss by a large factor before Backward, so the
// gradients of the 16-bit ops stay representable, and divides the float32
// gradients by it again before the optimizer step. When some gradient came
// out infinite or NaN the step is skipped and the factor halves; after
// GrowthInterval clean steps in a row it doubles.
//
//	scaler := amp.NewGradScaler(amp.ScalerOptions{})
//	for ... {
//		opt.ZeroGrad()
//		var loss *ember.Tensor
//		ember.Autocast(ember.Float16, func() {
//			loss = ember.CrossEntropy(model.Forward(x), y, nil)
//		})
//		scaler.Scale(loss).Backward()
//		scaler.Unscale(opt)                         // optional: to clip real gradients
//		optim.ClipGradNorm(opt.Params(), 1, 2)
//		scaler.Step(opt)                            // skipped if a gradient overflowed
//		scaler.Update()
//	}
//
// Bfloat16 has float32's range and needs no scaler; a scaler made with
// Disabled passes everything through, so one loop serves both.
//
// The scale and its growth counter are checkpointed with State and
// LoadState, whose JSON keys are those of PyTorch's state_dict.
package amp
