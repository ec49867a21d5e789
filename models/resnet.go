package models

import (
	"github.com/emberdl/ember"
	"github.com/emberdl/ember/nn"
	"github.com/emberdl/ember/nn/initializer"
)

// ResNet is the CIFAR-style residual network of He et al. (2016, §4.2):
// a 3×3 convolution, three stages of n BasicBlocks with w, 2w and 4w
// channels (the second and third start with stride 2), global average
// pooling and a linear classifier; depth 6n+2. Keys and initialisation
// follow torchvision's resnets: "conv1", "bn1", "layer1.0.conv1", ...,
// "layer2.0.downsample.0" (a 1×1 convolution with BatchNorm where the
// shape changes), "fc"; convolutions have no bias and start from
// kaiming_normal_(mode="fan_out", nonlinearity="relu").
type ResNet struct {
	Conv1  *nn.Conv2d
	BN1    *nn.BatchNorm2d
	Act    *nn.ReLU
	Layer1 []*BasicBlock
	Layer2 []*BasicBlock
	Layer3 []*BasicBlock
	FC     *nn.Linear
}

// BasicBlock is two 3×3 convolutions with BatchNorm and a residual
// connection (torchvision's BasicBlock).
type BasicBlock struct {
	Conv1      *nn.Conv2d
	BN1        *nn.BatchNorm2d
	Conv2      *nn.Conv2d
	BN2        *nn.BatchNorm2d
	Downsample *downsample // nil when the input already has the output's shape
	Act        *nn.ReLU
}

// downsample is the projection shortcut: a strided 1×1 convolution and
// BatchNorm ("downsample.0", "downsample.1").
type downsample struct {
	Conv *nn.Conv2d      `nn:"0"`
	BN   *nn.BatchNorm2d `nn:"1"`
}

// NewResNet returns a ResNet of depth cfg.Depth (6n+2) with cfg.Width0
// channels in its first stage, for cfg's images and classes.
func NewResNet(cfg Config) *ResNet {
	cfg = cfg.withDefaults()
	g := cfg.Generator
	n, w := (cfg.Depth-2)/6, cfg.Width0
	m := &ResNet{Conv1: resnetConv(cfg.InChannels, w, 3, 1, g), BN1: nn.NewBatchNorm2d(w, nn.BatchNormOptions{}, genOpts(g)...), Act: nn.NewReLU()}
	in := w
	stage := func(out, stride int) []*BasicBlock {
		blocks := make([]*BasicBlock, n)
		for i := range blocks {
			s := 1
			if i == 0 {
				s = stride
			}
			blocks[i] = newBasicBlock(in, out, s, g)
			in = out
		}
		return blocks
	}
	m.Layer1 = stage(w, 1)
	m.Layer2 = stage(2*w, 2)
	m.Layer3 = stage(4*w, 2)
	m.FC = nn.NewLinear(4*w, cfg.NumClasses, true, genOpts(g)...)
	return m
}

func newBasicBlock(in, out, stride int, g *ember.Generator) *BasicBlock {
	b := &BasicBlock{
		Conv1: resnetConv(in, out, 3, stride, g), BN1: nn.NewBatchNorm2d(out, nn.BatchNormOptions{}, genOpts(g)...),
		Conv2: resnetConv(out, out, 3, 1, g), BN2: nn.NewBatchNorm2d(out, nn.BatchNormOptions{}, genOpts(g)...), Act: nn.NewReLU(),
	}
	if stride != 1 || in != out {
		b.Downsample = &downsample{Conv: resnetConv(in, out, 1, stride, g), BN: nn.NewBatchNorm2d(out, nn.BatchNormOptions{}, genOpts(g)...)}
	}
	return b
}

// resnetConv is a bias-free convolution (padding k/2) initialised with
// kaiming_normal_(mode="fan_out", nonlinearity="relu").
func resnetConv(in, out, k, stride int, g *ember.Generator) *nn.Conv2d {
	c := conv(in, out, k, stride, k/2, false, g)
	if _, err := initializer.KaimingNormal(c.Weight, 0, initializer.FanOut, "relu", gens(g)...); err != nil {
		panic(err) // the shape is never empty here
	}
	return c
}

// Forward maps x [N, C, H, W] to the block's output.
func (b *BasicBlock) Forward(x *ember.Tensor) *ember.Tensor {
	out := b.Act.Forward(b.BN1.Forward(b.Conv1.Forward(x)))
	out = b.BN2.Forward(b.Conv2.Forward(out))
	identity := x
	if b.Downsample != nil {
		identity = b.Downsample.BN.Forward(b.Downsample.Conv.Forward(x))
	}
	return nn.Traced(b, b.Act.Forward(out.Add(identity)))
}

// Forward maps images x [N, C, H, W] to class logits [N, classes].
func (m *ResNet) Forward(x *ember.Tensor) *ember.Tensor {
	x = m.Act.Forward(m.BN1.Forward(m.Conv1.Forward(x)))
	for _, stage := range [][]*BasicBlock{m.Layer1, m.Layer2, m.Layer3} {
		for _, b := range stage {
			x = b.Forward(x)
		}
	}
	x = x.Mean(2, 3) // global average pooling
	return nn.Traced(m, m.FC.Forward(x))
}
