package dl_test

import (
	"fmt"

	"github.com/emberdl/ember/backend/cuda/internal/dl"
)

// Candidates lists where a library is looked for; an override variable
// replaces the whole search.
func ExampleCandidates() {
	env := dl.Env{Getenv: func(k string) string {
		return map[string]string{"EMBER_NVRTC": "/opt/nvrtc/libnvrtc.so.12"}[k]
	}}
	for _, c := range dl.Candidates(dl.NVRTC, env) {
		fmt.Println(c.Source, c.Path)
	}
	// Output:
	// override EMBER_NVRTC /opt/nvrtc/libnvrtc.so.12
}
