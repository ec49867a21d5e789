package driver

import (
	"bytes"
	"unsafe"
)

// Device is a CUdevice: an ordinal-like handle from [GetDevice].
type Device int32

// DeviceAttribute is a CUdevice_attribute.
type DeviceAttribute int32

// Device attributes (values from cuda.h).
const (
	AttrMaxThreadsPerBlock           DeviceAttribute = 1
	AttrMaxGridDimX                  DeviceAttribute = 5
	AttrMaxSharedMemoryPerBlock      DeviceAttribute = 8
	AttrWarpSize                     DeviceAttribute = 10
	AttrClockRate                    DeviceAttribute = 13 // kHz
	AttrMultiprocessorCount          DeviceAttribute = 16
	AttrIntegrated                   DeviceAttribute = 18
	AttrPCIBusID                     DeviceAttribute = 33
	AttrPCIDeviceID                  DeviceAttribute = 34
	AttrMemoryClockRate              DeviceAttribute = 36 // kHz
	AttrGlobalMemoryBusWidth         DeviceAttribute = 37 // bits
	AttrL2CacheSize                  DeviceAttribute = 38 // bytes
	AttrMaxThreadsPerMultiprocessor  DeviceAttribute = 39
	AttrPCIDomainID                  DeviceAttribute = 50
	AttrComputeCapabilityMajor       DeviceAttribute = 75
	AttrComputeCapabilityMinor       DeviceAttribute = 76
	AttrMaxSharedMemoryPerBlockOptin DeviceAttribute = 97
	AttrMemoryPoolsSupported         DeviceAttribute = 115
)

// DeviceCount returns how many CUDA devices the driver sees. It needs Init.
func DeviceCount() (int, error) {
	var n int32
	if err := call(symDeviceGetCount, uintptr(unsafe.Pointer(&n))); err != nil {
		return 0, err
	}
	return int(n), nil
}

// GetDevice returns the device with the given ordinal (0-based).
func GetDevice(ordinal int) (Device, error) {
	var d int32
	if err := call(symDeviceGet, uintptr(unsafe.Pointer(&d)), uintptr(ordinal)); err != nil {
		return 0, err
	}
	return Device(d), nil
}

// Name returns the device's marketing name, such as "NVIDIA H100 80GB HBM3".
func (d Device) Name() (string, error) {
	buf := make([]byte, 256)
	if err := call(symDeviceGetName, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), uintptr(d)); err != nil {
		return "", err
	}
	if i := bytes.IndexByte(buf, 0); i >= 0 {
		buf = buf[:i]
	}
	return string(buf), nil
}

// Attribute returns one integer property of the device.
func (d Device) Attribute(a DeviceAttribute) (int, error) {
	var v int32
	if err := call(symDeviceGetAttribute, uintptr(unsafe.Pointer(&v)), uintptr(a), uintptr(d)); err != nil {
		return 0, err
	}
	return int(v), nil
}

// TotalMem returns the device's memory size in bytes.
func (d Device) TotalMem() (uint64, error) {
	var v uint64
	if err := call(symDeviceTotalMem, uintptr(unsafe.Pointer(&v)), uintptr(d)); err != nil {
		return 0, err
	}
	return v, nil
}

// ComputeCapability returns the device's SM version, such as 9, 0 for an H100.
func (d Device) ComputeCapability() (major, minor int, err error) {
	if major, err = d.Attribute(AttrComputeCapabilityMajor); err != nil {
		return 0, 0, err
	}
	if minor, err = d.Attribute(AttrComputeCapabilityMinor); err != nil {
		return 0, 0, err
	}
	return major, minor, nil
}

// Properties are the device facts Ember uses to plan kernels and to report.
type Properties struct {
	Name                     string
	Major, Minor             int    // compute capability
	TotalMem                 uint64 // bytes
	Multiprocessors          int
	MaxThreadsPerBlock       int
	MaxThreadsPerSM          int
	WarpSize                 int
	SharedMemPerBlock        int // bytes, without opting in
	SharedMemPerBlockOptin   int // bytes, with cuFuncSetAttribute
	L2CacheSize              int // bytes
	ClockKHz, MemoryClockKHz int
	MemoryBusWidth           int // bits
	MemoryPools              bool
	PCIBusID                 string // domain:bus:device, such as 0000:3b:00
}

// Properties queries every field of [Properties].
func (d Device) Properties() (Properties, error) {
	var p Properties
	var err error
	if p.Name, err = d.Name(); err != nil {
		return p, err
	}
	if p.TotalMem, err = d.TotalMem(); err != nil {
		return p, err
	}
	var pools, dom, bus, dev int
	for _, q := range []struct {
		a   DeviceAttribute
		dst *int
	}{
		{AttrComputeCapabilityMajor, &p.Major},
		{AttrComputeCapabilityMinor, &p.Minor},
		{AttrMultiprocessorCount, &p.Multiprocessors},
		{AttrMaxThreadsPerBlock, &p.MaxThreadsPerBlock},
		{AttrMaxThreadsPerMultiprocessor, &p.MaxThreadsPerSM},
		{AttrWarpSize, &p.WarpSize},
		{AttrMaxSharedMemoryPerBlock, &p.SharedMemPerBlock},
		{AttrMaxSharedMemoryPerBlockOptin, &p.SharedMemPerBlockOptin},
		{AttrL2CacheSize, &p.L2CacheSize},
		{AttrClockRate, &p.ClockKHz},
		{AttrMemoryClockRate, &p.MemoryClockKHz},
		{AttrGlobalMemoryBusWidth, &p.MemoryBusWidth},
		{AttrMemoryPoolsSupported, &pools},
		{AttrPCIDomainID, &dom},
		{AttrPCIBusID, &bus},
		{AttrPCIDeviceID, &dev},
	} {
		if *q.dst, err = d.Attribute(q.a); err != nil {
			return p, err
		}
	}
	p.MemoryPools = pools != 0
	p.PCIBusID = pciID(dom, bus, dev)
	return p, nil
}

func pciID(domain, bus, dev int) string {
	const hex = "0123456789abcdef"
	b := make([]byte, 0, 10)
	for _, f := range []struct{ v, digits int }{{domain, 4}, {bus, 2}, {dev, 2}} {
		if len(b) > 0 {
			b = append(b, ':')
		}
		for i := f.digits - 1; i >= 0; i-- {
			b = append(b, hex[(f.v>>(4*i))&0xf])
		}
	}
	return string(b)
}
