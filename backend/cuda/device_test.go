package cuda

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cpu"
	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/backend/cuda/internal/cudatest"
)

// TestOpenExplainsWhatIsMissing opens device 0 for real. Where the driver
// sees a GPU, Open must succeed and run a kernel; elsewhere (CI) it must
// fail with an error that says why.
func TestOpenExplainsWhatIsMissing(t *testing.T) {
	if os.Getenv(EmulatorEnv) == "1" {
		t.Setenv(EmulatorEnv, "")
	}
	loadErr := driver.Load()
	cudatest.Require(t, "libcuda", loadErr)
	initErr := driver.Init()
	b, err := Open(0)
	switch {
	case initErr == nil:
		if err != nil {
			t.Fatalf("the driver sees a device but Open failed: %v", err)
		}
		v := backend.Dense(b.FromHost(backend.Float32, []float32{1, 2}), 2)
		b.Unary(backend.Neg, v, v, 0, 0)
		got := make([]float32, 2)
		b.ToHost(v, got)
		if got[0] != -1 || got[1] != -2 {
			t.Errorf("negation on the GPU gave %v", got)
		}
	case errors.Is(initErr, driver.ErrNoDevice):
		if err == nil || !errors.Is(err, driver.ErrNoDevice) || !strings.Contains(err.Error(), "no CUDA device") {
			t.Errorf("Open without a device: %v", err)
		}
	default:
		if err == nil || !strings.Contains(err.Error(), "unusable") {
			t.Errorf("Open with a failing driver (%v): %v", initErr, err)
		}
	}
	if _, err := Open(-1); err == nil {
		t.Error("Open(-1) succeeded")
	}
}

func TestEmulatorModeOpensDeviceZero(t *testing.T) {
	t.Setenv(EmulatorEnv, "1")
	if _, err := Open(1); err == nil || !strings.Contains(err.Error(), "device 0 only") {
		t.Errorf("Open(1) in emulator mode: %v", err)
	}
	b, err := OpenDevice(0)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if again, _ := OpenDevice(0); again != b {
		t.Error("a second Open returned another backend")
	}
	if b.Name() != "cuda:0" || !b.SupportsMath(backend.BFloat16) || b.Properties().Name != "Ember kernel emulator" {
		t.Errorf("emulated device: %s, %+v", b.Name(), b.Properties())
	}
	b.Synchronize()
}

// TestHostIndexCheck: on the host fallback, an index out of range panics
// with the same *OpError as the device's flags give.
func TestHostIndexCheck(t *testing.T) {
	b := &Backend{name: "cuda:9", host: cpu.New()}
	idx := b.host.FromHost(backend.Int64, []int64{0, 2, 3})
	b.hostIndexCheck("Gather", backend.Dense(idx, 2), 3) // 0 and 2: fine
	defer func() {
		err, _ := recover().(*OpError)
		if err == nil || err.Op != "Gather" || !errors.Is(err, ErrIndexOutOfRange) || !strings.Contains(err.Error(), "index 3") {
			t.Errorf("recovered %v", err)
		}
	}()
	b.hostIndexCheck("Gather", backend.Dense(idx, 3), 3)
	t.Error("no panic")
}
