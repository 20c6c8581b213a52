package cmdutil

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/kwh-cli/kwh/internal/store/boltfile"
)

// CheckPort rejects a --port outside 0..65535 (0 picks a free one).
func CheckPort(port int) error {
	if port < 0 || port > 65535 {
		return FlagErrorf("--port %d: want 1-65535, or 0 for a free port", port)
	}
	return nil
}

// ConflictError is a resource another process holds: it says which, and the
// flag that picks another one.
type ConflictError struct {
	Err  error
	hint string
}

func (e *ConflictError) Error() string { return e.Err.Error() }
func (e *ConflictError) Unwrap() error { return e.Err }

// Hint says what to do.
func (e *ConflictError) Hint() string { return e.hint }

// ExplainConflict turns "address already in use" and a locked store into
// errors that name the --port or --store flag; other errors pass unchanged.
func ExplainConflict(err error, host string, port int, storeName string) error {
	var inUse *boltfile.InUseError
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return &ConflictError{
			Err:  fmt.Errorf("port %d on %s is already in use by another program", port, host),
			hint: "Stop the other program, or pick another port with --port (--port 0 picks a free one).",
		}
	case errors.As(err, &inUse):
		holder := "another kwh process"
		if inUse.PID > 0 {
			holder = fmt.Sprintf("another kwh listen (pid %d)", inUse.PID)
		}
		return &ConflictError{
			Err:  fmt.Errorf("the store %s is in use by %s", storeName, holder),
			hint: "Stop that one (or use `kwh inbox` to read what it received), or give this one its own --store DIR.",
		}
	}
	return err
}
