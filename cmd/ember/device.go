package main

import (
	"fmt"

	"github.com/emberdl/ember"
)

// resolveDevice turns --device into a usable device: auto picks the best
// one found, cuda must be available.
func resolveDevice(flag string) (ember.Device, error) {
	if flag == "" || flag == "auto" {
		return ember.BestDevice(), nil
	}
	d, err := ember.ParseDevice(flag)
	if err != nil {
		return ember.Device{}, usagef("--device: %v (want auto, cpu or cuda)", err)
	}
	if err := ember.Available(d); err != nil {
		return ember.Device{}, fmt.Errorf("--device %s: CUDA is not usable on this machine: %w", flag, err)
	}
	return d, nil
}
