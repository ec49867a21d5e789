package cuda

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/emberdl/ember/backend/cuda/blas"
	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/backend/cuda/internal/dl"
	"github.com/emberdl/ember/backend/cuda/jit"
	"github.com/emberdl/ember/backend/cuda/kernels"
	"github.com/emberdl/ember/backend/cuda/nvrtc"
)

// workspaceBytes is the cuBLAS workspace Ember gives each device (cuBLAS
// recommends 32 MiB on Hopper).
const workspaceBytes = 32 << 20

// driverGPU is the gpu of a real device: libcuda for memory, streams and
// launches, cuBLAS for GEMMs.
type driverGPU struct {
	ordinal int
	ctx     *driver.Context
	props   driver.Properties
	mods    *moduleTable

	blasMu     sync.Mutex // a cuBLAS handle is used by one thread at a time
	blas       *blas.Handle
	blasStream driver.Stream
	workspace  driver.DevicePtr
	blasInfo   string
	// lt runs the single (unbatched) products through cuBLASLt with a plan
	// per shape, layout and alignment (ltPlans, under blasMu; a nil plan
	// marks a product cuBLASLt declined, which cublasGemmEx runs). nil
	// when cuBLASLt cannot be opened.
	lt      *blas.LtHandle
	ltPlans map[ltKey]*blas.Plan
}

// ltKey identifies a cuBLASLt plan.
type ltKey struct {
	g     blas.Gemm
	ep    blas.Epilogue
	align [3]uint32
}

// maxLtPlans bounds the plan cache; past it new shapes use cublasGemmEx.
const maxLtPlans = 4096

// openDriverGPU initialises the driver, retains the primary context of
// device ordinal and prepares cuBLAS and the kernel sources. Every failure
// says what is missing.
func openDriverGPU(ordinal int) (g *driverGPU, err error) {
	if err := driver.Init(); err != nil {
		var nf *dl.NotFoundError
		if errors.As(err, &nf) {
			return nil, fmt.Errorf("no NVIDIA driver: %w", err)
		}
		if errors.Is(err, driver.ErrNoDevice) {
			return nil, fmt.Errorf("the NVIDIA driver loaded but reports no CUDA device: %w", err)
		}
		return nil, fmt.Errorf("the NVIDIA driver (libcuda.so.1) is unusable: %w", err)
	}
	version, err := driver.Version()
	if err != nil {
		return nil, err
	}
	n, err := driver.DeviceCount()
	if err != nil {
		return nil, err
	}
	if ordinal < 0 || ordinal >= n {
		return nil, fmt.Errorf("no CUDA device %d: the driver reports %d device(s)", ordinal, n)
	}
	dev, err := driver.GetDevice(ordinal)
	if err != nil {
		return nil, err
	}
	props, err := dev.Properties()
	if err != nil {
		return nil, fmt.Errorf("querying CUDA device %d: %w", ordinal, err)
	}
	arch := props.Major*10 + props.Minor
	nvrtcErr := nvrtc.Load()
	var archs []int
	var nvrtcVersion string
	if nvrtcErr == nil {
		archs, nvrtcErr = nvrtc.SupportedArchs()
		if ma, mi, verr := nvrtc.Version(); verr == nil {
			nvrtcVersion = fmt.Sprintf("%d.%d", ma, mi)
		}
	}
	cacheDir, derr := jit.DefaultDir()
	if derr != nil {
		cacheDir = "" // memory only
	}
	sources, err := kernelSources(arch, version, nvrtcErr, archs, nvrtcVersion, cacheDir)
	if err != nil {
		return nil, fmt.Errorf("CUDA device %d (%s, sm_%d): %w", ordinal, props.Name, arch, err)
	}
	for _, src := range sources {
		if j, ok := src.(*jitSource); ok {
			j.warmUp()
		}
	}
	ctx, err := driver.RetainPrimaryContext(dev)
	if err != nil {
		return nil, fmt.Errorf("creating the context of CUDA device %d: %w", ordinal, err)
	}
	g = &driverGPU{ordinal: ordinal, ctx: ctx, props: props}
	defer func() {
		if err != nil {
			g.close()
		}
	}()
	g.mods = newModuleTable(sources, driver.LoadModule, driver.Module.Function)
	if err := ctx.Bind(); err != nil {
		return nil, err
	}
	defer ctx.Unbind()
	if g.blas, err = blas.NewHandle(); err != nil {
		return nil, fmt.Errorf("cuBLAS, which Ember's matmul and convolution need, is unavailable: %w", err)
	}
	if v, verr := blas.LoadedVersion(); verr == nil {
		g.blasInfo = "cuBLAS " + v.String()
	}
	if g.workspace, err = driver.MemAlloc(workspaceBytes); err != nil {
		return nil, fmt.Errorf("allocating the cuBLAS workspace: %w", err)
	}
	// Older cuBLAS 11 releases lack cublasSetWorkspace: they then manage
	// their own workspace, which is fine outside graph capture.
	_ = g.blas.SetWorkspace(g.workspace, workspaceBytes)
	if lt, lerr := blas.NewLtHandle(); lerr == nil {
		g.lt, g.ltPlans = lt, map[ltKey]*blas.Plan{}
	}
	return g, nil
}

func (g *driverGPU) bind() error                   { return g.ctx.Bind() }
func (g *driverGPU) unbind()                       { g.ctx.Unbind() }
func (g *driverGPU) properties() driver.Properties { return g.props }

func (g *driverGPU) memAlloc(n uint64) (driver.DevicePtr, error) { return driver.MemAlloc(n) }
func (g *driverGPU) memFree(p driver.DevicePtr) error            { return driver.MemFree(p) }
func (g *driverGPU) memInfo() (uint64, uint64, error)            { return driver.MemGetInfo() }

func (g *driverGPU) hostAlloc(n int) (hostMem, error) { return driver.AllocHost(n) }

func (g *driverGPU) newStream() (driver.Stream, error)      { return driver.NewStream() }
func (g *driverGPU) destroyStream(s driver.Stream) error    { return s.Destroy() }
func (g *driverGPU) newEvent() (driver.Event, error)        { return driver.NewEvent(false, false) }
func (g *driverGPU) eventDone(e driver.Event) (bool, error) { return e.Query() }
func (g *driverGPU) newTimingEvent() (driver.Event, error)  { return driver.NewEvent(true, false) }
func (g *driverGPU) elapsed(start, end driver.Event) (time.Duration, error) {
	ms, err := driver.ElapsedTime(start, end)
	return time.Duration(float64(ms) * float64(time.Millisecond)), err
}
func (g *driverGPU) waitEvent(e driver.Event) error    { return e.Synchronize() }
func (g *driverGPU) destroyEvent(e driver.Event) error { return e.Destroy() }
func (g *driverGPU) syncStream(s driver.Stream) error  { return s.Synchronize() }
func (g *driverGPU) recordEvent(e driver.Event, s driver.Stream) error {
	return e.Record(s)
}
func (g *driverGPU) streamWait(s driver.Stream, e driver.Event) error { return s.WaitEvent(e) }

func (g *driverGPU) syncDevice() error { return g.ctx.Synchronize() }

func (g *driverGPU) copyHtoD(dst driver.DevicePtr, src hostMem, off, n int, s driver.Stream) error {
	return driver.MemcpyHtoDAsync(dst, src.(*driver.HostBuffer), off, n, s)
}

func (g *driverGPU) copyDtoH(dst hostMem, off int, src driver.DevicePtr, n int, s driver.Stream) error {
	return driver.MemcpyDtoHAsync(dst.(*driver.HostBuffer), off, src, n, s)
}

func (g *driverGPU) copyDtoD(dst, src driver.DevicePtr, n uint64, s driver.Stream) error {
	return driver.MemcpyDtoDAsync(dst, src, n, s)
}

func (g *driverGPU) memset(dst driver.DevicePtr, v byte, n uint64, s driver.Stream) error {
	return driver.MemsetD8Async(dst, v, n, s)
}

func (g *driverGPU) function(k kernels.Kernel) (driver.Function, error) { return g.mods.function(k) }

func (g *driverGPU) launch(f driver.Function, l kernels.Launch, shared uint32, s driver.Stream, a *driver.Args) error {
	return f.Launch(l.Grid, l.Block, shared, s, a)
}

func (g *driverGPU) gemm(m blas.Gemm, alpha, beta float64, a, b, c, bias driver.DevicePtr, s driver.Stream) error {
	g.blasMu.Lock()
	defer g.blasMu.Unlock()
	if s != g.blasStream {
		if err := g.blas.SetStream(s); err != nil {
			return err
		}
		g.blasStream = s
	}
	if bias != 0 {
		if alpha != 1 || beta != 0 {
			return errNoFusedBias
		}
		p := g.ltPlan(m, blas.EpilogueBias, a, b, c)
		if p == nil {
			return errNoFusedBias
		}
		return p.Run(g.lt, alpha, beta, a, b, c, c, bias, g.workspace, workspaceBytes, s)
	}
	if p := g.ltPlan(m, blas.EpilogueNone, a, b, c); p != nil {
		return p.Run(g.lt, alpha, beta, a, b, c, c, 0, g.workspace, workspaceBytes, s)
	}
	return g.blas.Gemm(m, alpha, beta, a, b, c)
}

// ltPlan returns the cuBLASLt plan of an unbatched product m with epilogue
// ep on the given addresses, or nil where cublasGemmEx runs it (a batch, no cuBLASLt, a
// product it declined, a full cache). A plan chooses the algorithm once per
// shape, layout and operand alignment (the heuristic is told the
// alignment), and is what fused epilogues will run on. On an H200 the
// products take the same device time as through cublasGemmEx (GPT-2 small's
// step, BENCHMARKS.md). Called under blasMu.
func (g *driverGPU) ltPlan(m blas.Gemm, ep blas.Epilogue, a, b, c driver.DevicePtr) *blas.Plan {
	if g.lt == nil || max(m.Batch, 1) != 1 {
		return nil
	}
	m.Batch, m.StrideA, m.StrideB, m.StrideC = 1, 0, 0, 0
	k := ltKey{g: m, ep: ep, align: [3]uint32{blas.Alignment(a), blas.Alignment(b), blas.Alignment(c)}}
	if p, ok := g.ltPlans[k]; ok {
		return p
	}
	if len(g.ltPlans) >= maxLtPlans {
		return nil
	}
	p, err := g.lt.Plan(blas.Matmul{Gemm: m, Epilogue: ep, AlignA: k.align[0], AlignB: k.align[1], AlignC: k.align[2]}, workspaceBytes)
	if err != nil {
		p = nil
	}
	g.ltPlans[k] = p
	return p
}

func (g *driverGPU) describe() string {
	var from []string
	for f, src := range g.mods.loaded() {
		from = append(from, f+": "+src)
	}
	s := fmt.Sprintf("%s, kernel sources: %v", g.blasInfo, g.mods.sources)
	if len(from) > 0 {
		s += fmt.Sprintf(", loaded: %v", from)
	}
	return s
}

// close releases cuBLAS, the workspace and the context. Loaded modules go
// with the context.
func (g *driverGPU) close() error {
	var errs []error
	if err := g.ctx.Bind(); err != nil {
		return err
	}
	if g.blas != nil {
		errs = append(errs, g.blas.Destroy())
	}
	for _, p := range g.ltPlans {
		if p != nil {
			p.Destroy()
		}
	}
	if g.lt != nil {
		errs = append(errs, g.lt.Destroy())
	}
	if g.workspace != 0 {
		errs = append(errs, driver.MemFree(g.workspace))
	}
	g.ctx.Unbind()
	errs = append(errs, g.ctx.Release())
	return errors.Join(errs...)
}
