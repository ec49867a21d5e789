package blas

import "fmt"

// Status is a cublasStatus_t.
type Status int32

// cuBLAS status codes.
const (
	StatusSuccess         Status = 0
	StatusNotInitialized  Status = 1
	StatusAllocFailed     Status = 3
	StatusInvalidValue    Status = 7
	StatusArchMismatch    Status = 8
	StatusMappingError    Status = 11
	StatusExecutionFailed Status = 13
	StatusInternalError   Status = 14
	StatusNotSupported    Status = 15
	StatusLicenseError    Status = 16
)

var statusNames = map[Status]string{
	StatusSuccess:         "CUBLAS_STATUS_SUCCESS",
	StatusNotInitialized:  "CUBLAS_STATUS_NOT_INITIALIZED",
	StatusAllocFailed:     "CUBLAS_STATUS_ALLOC_FAILED",
	StatusInvalidValue:    "CUBLAS_STATUS_INVALID_VALUE",
	StatusArchMismatch:    "CUBLAS_STATUS_ARCH_MISMATCH",
	StatusMappingError:    "CUBLAS_STATUS_MAPPING_ERROR",
	StatusExecutionFailed: "CUBLAS_STATUS_EXECUTION_FAILED",
	StatusInternalError:   "CUBLAS_STATUS_INTERNAL_ERROR",
	StatusNotSupported:    "CUBLAS_STATUS_NOT_SUPPORTED",
	StatusLicenseError:    "CUBLAS_STATUS_LICENSE_ERROR",
}

// Error formats the status by name, with cuBLAS's own description when the
// library provides one.
func (s Status) Error() string {
	name, ok := statusNames[s]
	if !ok {
		name = fmt.Sprintf("cublasStatus(%d)", int32(s))
	}
	if statusString != nil {
		return fmt.Sprintf("%s (%d): %s", name, int32(s), statusString(int32(s)))
	}
	return fmt.Sprintf("%s (%d)", name, int32(s))
}

// Error is a failed cuBLAS or cuBLASLt call.
type Error struct {
	// Op is the function that failed.
	Op string
	// Code is its status.
	Code Status
}

func (e *Error) Error() string { return e.Op + ": " + e.Code.Error() }

// Unwrap returns the status, so errors.Is matches Status values.
func (e *Error) Unwrap() error { return e.Code }
