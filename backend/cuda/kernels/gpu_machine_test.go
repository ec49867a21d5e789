package kernels

import (
	"fmt"

	"github.com/emberdl/ember/backend/cuda/driver"
)

// gpuMachine runs the kernel tests on GPU 0: every kernel of the prebuilt
// PTX (what ships), JIT-compiled by the driver, launched on the legacy
// stream and waited for, so that a fault shows in the test that caused it.
type gpuMachine struct {
	ctx   *driver.Context
	funcs map[string]driver.Function
}

func startGPU() (testMachine, error) {
	if err := driver.Init(); err != nil {
		return nil, fmt.Errorf("%s=cuda: %w", testDeviceEnv, err)
	}
	d, err := driver.GetDevice(0)
	if err != nil {
		return nil, err
	}
	ctx, err := driver.RetainPrimaryContext(d)
	if err != nil {
		return nil, err
	}
	if err := ctx.Bind(); err != nil {
		return nil, err
	}
	defer ctx.Unbind()
	pre, _, err := PrebuiltPTX()
	if err != nil {
		return nil, err
	}
	g := &gpuMachine{ctx: ctx, funcs: map[string]driver.Function{}}
	for _, p := range pre {
		mod, err := driver.LoadModule(p.PTX)
		if err != nil {
			return nil, fmt.Errorf("loading %s: %w", p.File, err)
		}
		for expr, low := range p.Lowered {
			f, err := mod.Function(low)
			if err != nil {
				return nil, err
			}
			g.funcs[expr] = f
		}
	}
	return g, nil
}

// bound runs f with the context current on the calling thread.
func (g *gpuMachine) bound(f func() error) error {
	if err := g.ctx.Bind(); err != nil {
		return err
	}
	defer g.ctx.Unbind()
	return f()
}

func (g *gpuMachine) Alloc(n int) (p driver.DevicePtr, err error) {
	err = g.bound(func() error {
		p, err = driver.MemAlloc(uint64(max(n, 1)))
		return err
	})
	return p, err
}

func (g *gpuMachine) Free(p driver.DevicePtr) error {
	return g.bound(func() error { return driver.MemFree(p) })
}

func (g *gpuMachine) Write(p driver.DevicePtr, b []byte) error {
	return g.bound(func() error { return driver.CopyToDevice(p, b) })
}

func (g *gpuMachine) Read(p driver.DevicePtr, b []byte) error {
	return g.bound(func() error { return driver.CopyFromDevice(b, p) })
}

func (g *gpuMachine) Launch(expr string, grid, block driver.Dim3, a *driver.Args) error {
	f, ok := g.funcs[expr]
	if !ok {
		return fmt.Errorf("no prebuilt kernel %s", expr)
	}
	return g.bound(func() error {
		if err := f.Launch(grid, block, 0, 0, a); err != nil {
			return fmt.Errorf("%s: %w", expr, err)
		}
		if err := g.ctx.Synchronize(); err != nil {
			return fmt.Errorf("%s: %w", expr, err)
		}
		return nil
	})
}
