// Package download fetches files over HTTP into a local path, safely enough
// for large dataset archives on flaky networks:
//
//   - the SHA-256 of the result is verified, and a file that does not match
//     is removed and reported with a *ChecksumError;
//   - bytes arrive in a ".part" file next to the destination, and an
//     interrupted download resumes from it with an HTTP Range request (a
//     server that ignores Range is detected and the file restarts);
//   - transient failures (network errors, cut-off bodies, 5xx, 408, 429) are
//     retried with exponential backoff and jitter, honouring Retry-After;
//   - a context.Context cancels everything, including the backoff sleeps;
//   - the finished file is synced and renamed into place atomically, so the
//     destination is either absent or complete and verified;
//   - concurrent downloads of the same destination, from goroutines or
//     (on Unix) from other processes, wait for one another and download once;
//   - progress is a bar on a terminal and log/slog lines otherwise.
package download
