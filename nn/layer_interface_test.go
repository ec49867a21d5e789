package nn

// Every single-input layer satisfies Layer, so it can sit in a Sequential.
var _ = []Layer{
	(*Identity)(nil), (*Flatten)(nil), (*Unflatten)(nil),
	(*Conv1d)(nil), (*Conv2d)(nil), (*ConvTranspose1d)(nil), (*ConvTranspose2d)(nil),
	(*MaxPool1d)(nil), (*MaxPool2d)(nil), (*AvgPool1d)(nil), (*AvgPool2d)(nil),
	(*AdaptiveAvgPool1d)(nil), (*AdaptiveAvgPool2d)(nil),
	(*BatchNorm)(nil), (*BatchNorm1d)(nil), (*BatchNorm2d)(nil), (*BatchNorm3d)(nil),
	(*LayerNorm)(nil), (*RMSNorm)(nil), (*GroupNorm)(nil),
	(*Dropout)(nil), (*Dropout2d)(nil), (*Embedding)(nil),
	(*ReLU)(nil), (*LeakyReLU)(nil), (*ELU)(nil), (*SELU)(nil), (*GELU)(nil), (*SiLU)(nil),
	(*Softplus)(nil), (*Mish)(nil), (*Hardtanh)(nil), (*Sigmoid)(nil), (*Tanh)(nil),
	(*Softmax)(nil), (*LogSoftmax)(nil),
}

// Layers that behave differently in training and evaluation switch with
// Train and Eval.
var _ = []trainingSetter{(*BatchNorm1d)(nil), (*BatchNorm2d)(nil), (*BatchNorm3d)(nil), (*Dropout)(nil), (*Dropout2d)(nil)}
