// Package cudatest holds what the CUDA packages' tests share.
package cudatest

import (
	"os"
	"testing"
)

// RequireEnv is the variable CI sets (with the libraries installed by
// .ci/install-cuda-deps.sh) to make a missing CUDA library a test failure.
const RequireEnv = "EMBER_REQUIRE_NVRTC"

// Require stops a test that needs an optional NVIDIA library which failed
// to load with err: a failure when RequireEnv is "1", else a skip that
// says why. It does nothing when err is nil.
func Require(t testing.TB, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s=1 but %s is unavailable: %v", RequireEnv, what, err)
	}
	t.Skipf("%s unavailable (run .ci/install-cuda-deps.sh): %v", what, err)
}
