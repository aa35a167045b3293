package bus

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// LockName is the file in the data dir that the embedded server's owner
// holds an exclusive lock (flock) on, and writes its pid into. The lock
// goes with the process: a daemon killed with -9 leaves the file, not the
// lock.
const LockName = "agentd.lock"

// ErrLocked means another process has the data dir open: two embedded
// servers on one store would announce and notify everything twice, and
// damage each other's files.
var ErrLocked = errors.New("data dir in use")

// LockedError names the data dir and the process that holds it. It matches
// ErrLocked.
type LockedError struct {
	Dir string
	PID int // 0 when the lock file does not say
}

func (e *LockedError) Error() string {
	who := "another process"
	if e.PID > 0 {
		who = "another agentd (pid " + strconv.Itoa(e.PID) + ")"
	}
	return fmt.Sprintf("data dir %s is in use by %s: one agentd per data dir (stop the other one, or give this one its own bus.data_dir)", e.Dir, who)
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// dirLock is a held lock on a data dir.
type dirLock struct {
	f *os.File
}

// lockDir takes the data dir's lock without waiting, creating the dir and
// the lock file as needed, and writes this process's pid into the file.
// If another process holds it, the error is a *LockedError.
func lockDir(dir string) (*dirLock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("bus: data dir: %w", err)
	}
	path := filepath.Join(dir, LockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("bus: lock %s: %w", path, err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if errors.Is(err, syscall.EWOULDBLOCK) {
		pid := readPID(f)
		f.Close()
		return nil, &LockedError{Dir: dir, PID: pid}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("bus: lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		// The pid only helps the message of a second process; a failure
		// to write it does not matter.
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &dirLock{f: f}, nil
}

// unlock releases the lock; the file stays (removing it would race with a
// process that has just opened it).
func (l *dirLock) unlock() {
	if l == nil || l.f == nil {
		return
	}
	l.f.Close()
	l.f = nil
}

func readPID(f *os.File) int {
	b, err := io.ReadAll(io.LimitReader(io.NewSectionReader(f, 0, 32), 32))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}
