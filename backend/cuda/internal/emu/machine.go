package emu

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"

	"github.com/emberdl/ember/backend/cuda/driver"
)

// Machine is a running emulator: device memory plus kernel launches. It is
// safe for concurrent use (calls are serialised).
type Machine struct {
	mu     sync.Mutex
	cmd    *exec.Cmd
	w      *bufio.Writer
	r      *bufio.Reader
	stderr strings.Builder
	closed bool
}

// Start runs the emulator binary from Build.
func Start(bin string) (*Machine, error) {
	m := &Machine{cmd: exec.Command(bin)}
	in, err := m.cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := m.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	m.cmd.Stderr = &m.stderr
	if err := m.cmd.Start(); err != nil {
		return nil, fmt.Errorf("emu: starting %s: %w", bin, err)
	}
	m.w, m.r = bufio.NewWriter(in), bufio.NewReader(out)
	return m, nil
}

// Close stops the emulator.
func (m *Machine) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	if c, ok := m.cmd.Stdin.(io.Closer); ok {
		c.Close()
	}
	return m.cmd.Wait()
}

func (m *Machine) put(vs ...any) {
	for _, v := range vs {
		switch v := v.(type) {
		case []byte:
			m.w.Write(v)
		case string:
			m.w.WriteString(v)
		default:
			binary.Write(m.w, binary.LittleEndian, v)
		}
	}
}

// status flushes the request and reads the status reply.
func (m *Machine) status(what string) error {
	if m.closed {
		return errors.New("emu: machine closed")
	}
	if err := m.w.Flush(); err != nil {
		return m.crashed(what, err)
	}
	ok, err := m.r.ReadByte()
	if err != nil {
		return m.crashed(what, err)
	}
	if ok == 0 {
		return nil
	}
	var n uint32
	if err := binary.Read(m.r, binary.LittleEndian, &n); err != nil {
		return m.crashed(what, err)
	}
	msg := make([]byte, n)
	if _, err := io.ReadFull(m.r, msg); err != nil {
		return m.crashed(what, err)
	}
	return fmt.Errorf("emu: %s: %s", what, msg)
}

// crashed describes a dead emulator (a kernel that faulted, usually).
func (m *Machine) crashed(what string, err error) error {
	m.closed = true
	werr := m.cmd.Wait()
	return fmt.Errorf("emu: the emulator died during %s (%v; %v)\n%s", what, err, werr, m.stderr.String())
}

// Alloc returns n bytes of emulated device memory, filled with 0xcd.
func (m *Machine) Alloc(n int) (driver.DevicePtr, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.put(byte('A'), uint64(n))
	if err := m.status("alloc"); err != nil {
		return 0, err
	}
	var p uint64
	if err := binary.Read(m.r, binary.LittleEndian, &p); err != nil {
		return 0, m.crashed("alloc", err)
	}
	return driver.DevicePtr(p), nil
}

// Free releases memory from Alloc.
func (m *Machine) Free(p driver.DevicePtr) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.put(byte('F'), uint64(p))
	return m.status("free")
}

// Write copies b to device address p.
func (m *Machine) Write(p driver.DevicePtr, b []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.put(byte('W'), uint64(p), uint64(len(b)), b)
	return m.status("write")
}

// Read copies len(b) bytes from device address p into b.
func (m *Machine) Read(p driver.DevicePtr, b []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.put(byte('R'), uint64(p), uint64(len(b)))
	if err := m.status("read"); err != nil {
		return err
	}
	if _, err := io.ReadFull(m.r, b); err != nil {
		return m.crashed("read", err)
	}
	return nil
}

// Launch runs the kernel registered as expr on grid × block threads with the
// packed parameter block params (driver.Args.Bytes()).
func (m *Machine) Launch(expr string, grid, block driver.Dim3, params []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.put(byte('L'), uint32(len(expr)), expr, grid.X, grid.Y, grid.Z, block.X, block.Y, block.Z, uint32(0),
		uint32(len(params)), params)
	return m.status("launch of " + expr)
}
