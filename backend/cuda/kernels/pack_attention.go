package kernels

import (
	"fmt"

	"github.com/emberdl/ember/backend/cuda/driver"
)

// AttentionMaxHeadDim is the largest head dimension (D and Dv) of the
// fused attention kernels (EMBER_ATTN_DMAX).
const AttentionMaxHeadDim = 128

// AttentionMask is the kind of mask of the fused attention.
type AttentionMask int32

// Attention masks: none, a bool mask (false removes the key), an additive
// mask of the inputs' type.
const (
	MaskNone AttentionMask = iota
	MaskBool
	MaskAdditive
)

// AttnParams is ember::AttnParams (296 bytes).
type AttnParams struct {
	B, H, Tq, Tk, D, Dv, KVGroup int64
	QB, QH, QT, KB, KH, KT       int64
	VB, VH, VT, OB, OH, OT       int64
	DOB, DOH, DOT, DQB, DQH, DQT int64
	DKB, DKH, DKT, DVB, DVH, DVT int64
	MB, MH, MQ, MK               int64
	Scale                        float64
	Causal, MaskKind             int32
}

// Attention describes one fused scaled dot-product attention, forward and
// backward: q [B, H, Tq, D], k [B, H/KVGroup, Tk, D], v [B, H/KVGroup,
// Tk, Dv], Out and DOut [B, H, Tq, Dv]; DQ, DK, DV have the shapes of q, k,
// v. The strides arrays hold the strides of the first three dims; the last
// dim of every tensor is contiguous. LSE and Delta are float32 workspaces
// of B·H·Tq values (contiguous): the forward writes LSE, the backward
// reads it, and its first pass writes Delta. Mask (MaskKind) is indexed by
// [B, H, Tq, Tk] through MaskSt (zeros broadcast).
//
// This is the entry point a backend's attention method would use, with
// views q, k, v, mask and outputs; a Backend method could read
//
//	ScaledDotProductAttention(out, lse, q, k, v, mask View, scale float64, causal bool)
//	ScaledDotProductAttentionBackward(dq, dk, dv, dout, q, k, v, out, lse, mask View, scale float64, causal bool)
//
// with lse a float32 [B, H, Tq] view saved between the two.
type Attention struct {
	Q, K, V, Out, DOut, DQ, DK, DV, Mask driver.DevicePtr
	LSE, Delta                           driver.DevicePtr
	B, H, Tq, Tk, D, Dv, KVGroup         int64
	QSt, KSt, VSt, OutSt, DOutSt         [3]int64
	DQSt, DKSt, DVSt                     [3]int64
	MaskSt                               [4]int64
	MaskKind                             AttentionMask
	Scale                                float64
	Causal                               bool
}

// params checks at and returns its kernel parameters.
func (at *Attention) params() (AttnParams, error) {
	g := at.KVGroup
	if g == 0 {
		g = 1
	}
	if at.B < 0 || at.H < 1 || at.Tq < 0 || at.Tk < 0 || at.D < 1 || at.Dv < 1 || g < 1 || at.H%g != 0 {
		return AttnParams{}, fmt.Errorf("kernels: bad attention shape B=%d H=%d Tq=%d Tk=%d D=%d Dv=%d group=%d",
			at.B, at.H, at.Tq, at.Tk, at.D, at.Dv, g)
	}
	if at.D > AttentionMaxHeadDim || at.Dv > AttentionMaxHeadDim {
		return AttnParams{}, fmt.Errorf("kernels: attention head dims %d and %d, the fused kernels take at most %d",
			at.D, at.Dv, AttentionMaxHeadDim)
	}
	if at.MaskKind < MaskNone || at.MaskKind > MaskAdditive || (at.MaskKind != MaskNone && at.Mask == 0) {
		return AttnParams{}, fmt.Errorf("kernels: attention mask kind %d without a mask", at.MaskKind)
	}
	if at.B*at.H > 65535 {
		return AttnParams{}, fmt.Errorf("kernels: %d attention heads in one launch; split the batch", at.B*at.H)
	}
	return AttnParams{
		B: at.B, H: at.H, Tq: at.Tq, Tk: at.Tk, D: at.D, Dv: at.Dv, KVGroup: g,
		QB: at.QSt[0], QH: at.QSt[1], QT: at.QSt[2], KB: at.KSt[0], KH: at.KSt[1], KT: at.KSt[2],
		VB: at.VSt[0], VH: at.VSt[1], VT: at.VSt[2], OB: at.OutSt[0], OH: at.OutSt[1], OT: at.OutSt[2],
		DOB: at.DOutSt[0], DOH: at.DOutSt[1], DOT: at.DOutSt[2], DQB: at.DQSt[0], DQH: at.DQSt[1], DQT: at.DQSt[2],
		DKB: at.DKSt[0], DKH: at.DKSt[1], DKT: at.DKSt[2], DVB: at.DVSt[0], DVH: at.DVSt[1], DVT: at.DVSt[2],
		MB: at.MaskSt[0], MH: at.MaskSt[1], MQ: at.MaskSt[2], MK: at.MaskSt[3],
		Scale: at.Scale, Causal: boolInt(at.Causal), MaskKind: int32(at.MaskKind),
	}, nil
}

// attnBlock is the block size of the float32 attention kernels (8 warps);
// the tensor-core kernels run tcBlock threads on tcRows rows or keys.
const (
	attnBlock = 256
	tcBlock   = 128
	tcRows    = 64
)

// TensorCoreAttention reports whether the tensor-core passes take at with
// elements of type t: bfloat16 or float16, equal head dims D and Dv of
// AttentionTCHeadDims, no mask but the causal one, and every address and
// stride even (pairs of elements load as 32 bits). The device must be
// sm_80 or newer; the caller checks that.
func TensorCoreAttention(at *Attention, t DType) bool {
	if (t != BF16 && t != F16) || at.MaskKind != MaskNone || at.D != at.Dv {
		return false
	}
	okDim := false
	for _, d := range AttentionTCHeadDims {
		okDim = okDim || at.D == int64(d)
	}
	if !okDim {
		return false
	}
	for _, p := range []driver.DevicePtr{at.Q, at.K, at.V, at.Out, at.DOut, at.DQ, at.DK, at.DV} {
		if p%4 != 0 {
			return false
		}
	}
	for _, st := range [][3]int64{at.QSt, at.KSt, at.VSt, at.OutSt, at.DOutSt, at.DQSt, at.DKSt, at.DVSt} {
		if st[0]%2 != 0 || st[1]%2 != 0 || st[2]%2 != 0 {
			return false
		}
	}
	return true
}

// PackAttention packs one pass of the fused attention and returns its
// launch. A forward is AttentionForward; a backward is
// AttentionBackwardPre, then AttentionBackwardDQ and AttentionBackwardKV
// (in either order). Where TensorCoreAttention allows, the AttentionTC
// passes stand for the forward, dq and dk/dv passes (with the kernels of
// AttentionTCKernel for the head dim). maxBlocks bounds the grid of the grid-stride pass.
func PackAttention(a *driver.Args, pass AttentionPass, at *Attention, maxBlocks int) (Launch, error) {
	p, err := at.params()
	if err != nil {
		return Launch{}, err
	}
	bh := uint32(p.B * p.H)
	a.Reset()
	var grid driver.Dim3
	switch pass {
	case AttentionForward:
		a.Ptr(at.Out).Ptr(at.LSE).Ptr(at.Q).Ptr(at.K).Ptr(at.V).Ptr(at.Mask)
		grid = driver.Dim3{X: uint32((p.Tq + 15) / 16), Y: bh, Z: 1}
	case AttentionBackwardPre:
		a.Ptr(at.Delta).Ptr(at.Out).Ptr(at.DOut)
		rows := p.B * p.H * p.Tq
		grid = driver.D1(uint32(max(min((rows+7)/8, int64(maxBlocks)), 1)))
	case AttentionBackwardDQ:
		a.Ptr(at.DQ).Ptr(at.Q).Ptr(at.K).Ptr(at.V).Ptr(at.DOut).Ptr(at.LSE).Ptr(at.Delta).Ptr(at.Mask)
		grid = driver.Dim3{X: uint32((p.Tq + 7) / 8), Y: bh, Z: 1}
	case AttentionBackwardKV:
		a.Ptr(at.DK).Ptr(at.DV).Ptr(at.Q).Ptr(at.K).Ptr(at.V).Ptr(at.DOut).Ptr(at.LSE).Ptr(at.Delta).Ptr(at.Mask)
		grid = driver.Dim3{X: uint32((p.Tk + 7) / 8), Y: uint32(p.B * (p.H / p.KVGroup)), Z: 1}
	case AttentionTCForward:
		a.Ptr(at.Out).Ptr(at.LSE).Ptr(at.Q).Ptr(at.K).Ptr(at.V)
		grid = driver.Dim3{X: uint32((p.Tq + tcRows - 1) / tcRows), Y: bh, Z: 1}
	case AttentionTCBackwardDQ:
		a.Ptr(at.DQ).Ptr(at.Q).Ptr(at.K).Ptr(at.V).Ptr(at.DOut).Ptr(at.LSE).Ptr(at.Delta)
		grid = driver.Dim3{X: uint32((p.Tq + tcRows - 1) / tcRows), Y: bh, Z: 1}
	case AttentionTCBackwardKV:
		a.Ptr(at.DK).Ptr(at.DV).Ptr(at.Q).Ptr(at.K).Ptr(at.V).Ptr(at.DOut).Ptr(at.LSE).Ptr(at.Delta)
		grid = driver.Dim3{X: uint32((p.Tk + tcRows - 1) / tcRows), Y: uint32(p.B * (p.H / p.KVGroup)), Z: 1}
	default:
		return Launch{}, fmt.Errorf("kernels: unknown attention pass %q", pass)
	}
	if grid.X == 0 || grid.Y == 0 {
		return Launch{}, fmt.Errorf("kernels: empty attention (B=%d, Tq=%d, Tk=%d) needs no launch", p.B, p.Tq, p.Tk)
	}
	block := uint32(attnBlock)
	switch pass {
	case AttentionTCForward, AttentionTCBackwardDQ, AttentionTCBackwardKV:
		if p.MaskKind != int32(MaskNone) || p.D != p.Dv {
			return Launch{}, fmt.Errorf("kernels: the tensor-core attention takes no mask and D == Dv (D=%d, Dv=%d)", p.D, p.Dv)
		}
		block = tcBlock
	}
	driver.ArgStruct(a, &p)
	return Launch{grid, driver.D1(block)}, a.Err()
}
