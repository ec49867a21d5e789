package cuda

import (
	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cpu"
)

// hostArg is one view of an op that runs through the host fallback: read
// views are copied to the host first, written views back afterwards. A
// view with a nil Buf (an optional argument left out) passes as it is.
type hostArg struct {
	v           backend.View
	read, write bool
}

func in(v backend.View) hostArg    { return hostArg{v: v, read: true} }
func out(v backend.View) hostArg   { return hostArg{v: v, write: true} }
func inout(v backend.View) hostArg { return hostArg{v: v, read: true, write: true} }

// fallback runs an op on the CPU backend: every read view is copied into a
// dense host buffer (waiting for the device), run gets the host views (in
// the order of args), and every written view is copied back. bfloat16 and
// float16 views travel as float32 (exactly), since the CPU backend does no
// math on them. It is correct for any op whose CPU kernel has the
// backend's semantics, and slow: it is used for ops too rare to deserve a
// kernel (Nonzero) and for the cases whose kernels are not written yet
// (listed in README.md). Fallbacks() counts the calls per op.
func (b *Backend) fallback(op string, args []hostArg, run func(h []backend.View)) {
	b.fallbackMu.Lock()
	b.fallbacks[op]++
	b.fallbackMu.Unlock()
	b.bind(op)
	defer b.g.unbind()
	hv := make([]backend.View, len(args))
	for i, a := range args {
		if a.v.Buf == nil {
			hv[i] = a.v
			continue
		}
		dt := hostDType(a.v.DType())
		hb := b.host.Alloc(dt, a.v.Numel()).(*cpu.Buffer)
		if a.read {
			b.download(op, a.v, dt, hb.Slice())
		}
		hv[i] = backend.Dense(hb, a.v.Shape...)
	}
	run(hv)
	for i, a := range args {
		if !a.write || a.v.Buf == nil {
			continue
		}
		tmp := b.FromHost(hv[i].DType(), hv[i].Buf.(*cpu.Buffer).Slice()).(*Buffer)
		b.copyView(op, a.v, backend.Dense(tmp, a.v.Shape...))
		tmp.mem.release()
	}
	keepArgs(args)
}

// hostDType is the dtype a view has on the host in a fallback.
func hostDType(d backend.DType) backend.DType {
	if d.IsHalf() {
		return backend.Float32
	}
	return d
}

// download copies v, converted to dt, into the Go slice dst. Bound.
func (b *Backend) download(op string, v backend.View, dt backend.DType, dst any) {
	if v.DType() == dt {
		b.ToHost(v, dst)
		return
	}
	tmp := b.temp(op, dt, v.Numel())
	tv := backend.Dense(tmp, v.Shape...)
	b.copyView(op, tv, v)
	b.ToHost(tv, dst)
	tmp.mem.release()
}

func keepArgs(args []hostArg) {
	for _, a := range args {
		keep(a.v)
	}
}
