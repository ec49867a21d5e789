package ember

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cpu"
)

// DeviceType is the kind of a device.
type DeviceType uint8

// Device kinds.
const (
	CPUType DeviceType = iota
	CUDAType
)

// Device names where a tensor's memory lives and its ops run.
type Device struct {
	Type  DeviceType
	Index int
}

// The usual devices: the CPU, and the first CUDA GPU.
var (
	CPU  = Device{Type: CPUType}
	CUDA = Device{Type: CUDAType}
)

// CUDADevice returns the i-th CUDA GPU.
func CUDADevice(i int) Device { return Device{Type: CUDAType, Index: i} }

// String returns "cpu" or "cuda:N".
func (d Device) String() string {
	if d.Type == CUDAType {
		return "cuda:" + strconv.Itoa(d.Index)
	}
	return "cpu"
}

// ParseDevice parses "cpu", "cuda" or "cuda:N".
func ParseDevice(s string) (Device, error) {
	switch {
	case s == "cpu":
		return CPU, nil
	case s == "cuda" || s == "gpu":
		return CUDA, nil
	case strings.HasPrefix(s, "cuda:"):
		i, err := strconv.Atoi(s[5:])
		if err != nil || i < 0 {
			return Device{}, fmt.Errorf("bad CUDA device index in %q", s)
		}
		return CUDADevice(i), nil
	}
	return Device{}, fmt.Errorf("unknown device %q (want cpu, cuda or cuda:N)", s)
}

var cpuBackend = cpu.New()

// BackendOpener opens the backend of a device kind; packages that provide a
// device register one with RegisterBackend.
type BackendOpener func(index int) (backend.Backend, error)

var (
	backendsMu sync.Mutex
	openers    = map[DeviceType]BackendOpener{}
	opened     = map[Device]backend.Backend{}
	openErrs   = map[Device]error{}
)

// RegisterBackend makes a device kind available. The CUDA backend registers
// itself; tests may register fakes.
func RegisterBackend(t DeviceType, open BackendOpener) {
	backendsMu.Lock()
	defer backendsMu.Unlock()
	openers[t] = open
	for d := range opened {
		if d.Type == t {
			delete(opened, d)
		}
	}
	for d := range openErrs {
		if d.Type == t {
			delete(openErrs, d)
		}
	}
}

// Available returns nil if tensors can be placed on d, or an error saying
// exactly why not (no driver, no device, a library missing).
func Available(d Device) error {
	_, err := lookupBackend(d)
	return err
}

func lookupBackend(d Device) (backend.Backend, error) {
	if d.Type == CPUType {
		return cpuBackend, nil
	}
	backendsMu.Lock()
	defer backendsMu.Unlock()
	if b, ok := opened[d]; ok {
		return b, nil
	}
	if err, ok := openErrs[d]; ok {
		return nil, err
	}
	open, ok := openers[d.Type]
	if !ok {
		err := fmt.Errorf("device %v: no backend is registered for it", d)
		openErrs[d] = err
		return nil, err
	}
	b, err := open(d.Index)
	if err != nil {
		err = fmt.Errorf("device %v is unavailable: %w", d, err)
		openErrs[d] = err
		return nil, err
	}
	opened[d] = b
	return b, nil
}

// backendFor returns d's backend or panics with a *DeviceError.
func backendFor(op string, d Device) backend.Backend {
	b, err := lookupBackend(d)
	if err != nil {
		panic(&DeviceError{Op: op, Msg: "cannot use " + d.String(), Err: err})
	}
	return b
}

// BestDevice returns the first CUDA GPU when one is usable, else the CPU.
func BestDevice() Device {
	if Available(CUDA) == nil {
		return CUDA
	}
	return CPU
}
