// Package outfile writes result files whole or not at all.
//
// A file is written only as a regular file: Check refuses, before any work
// starts, a path that is a directory, a symbolic link, a named pipe or any
// other special file, one in a directory that is missing or not writable,
// and an existing file unless overwriting was asked for. Write gathers the
// content in memory, then writes it to a temporary file beside path,
// created with mode 0666 less the umask as any new file is, and renames it
// into place; on every error the temporary file is removed, and an
// interrupted or killed writer leaves path as it was (a kill can leave a
// temporary file only while the content is being written out, not while it
// is being produced).
package outfile

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// ErrExists is Check's error for an existing file when overwrite is false.
var ErrExists = errors.New("file exists")

// Check reports why path cannot be written, or nil: it must be a regular
// file or not exist (ErrExists if it exists and overwrite is false), in an
// existing, writable directory. The error does not repeat path.
func Check(path string, overwrite bool) error {
	if path == "" {
		return errors.New("empty path")
	}
	fi, err := os.Lstat(path)
	switch {
	case err == nil:
		switch m := fi.Mode(); {
		case m&fs.ModeSymlink != 0:
			return errors.New("is a symbolic link; give the path of the file it points to, to write through it")
		case m.IsDir():
			return errors.New("is a directory")
		case !m.IsRegular():
			return fmt.Errorf("is not a regular file (%s)", kind(m))
		case !overwrite:
			return ErrExists
		}
	case !errors.Is(err, fs.ErrNotExist):
		return unwrap(err)
	}
	dir := filepath.Dir(path)
	di, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("directory %s does not exist", dir)
	case err != nil:
		return unwrap(err)
	case !di.IsDir():
		return fmt.Errorf("%s is not a directory", dir)
	}
	if err := syscall.Access(dir, 2 /* W_OK */); err != nil {
		return fmt.Errorf("directory %s is not writable", dir)
	}
	return nil
}

// kind names a special file's type.
func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return m.Type().String()
}

// Write runs write into memory and, if it succeeds, puts what it wrote at
// path whole: through a temporary file beside path, renamed into place.
// Errors name path, never the temporary file. Write does not call Check:
// the caller checks before its work starts.
func Write(path string, write func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	if err := put(path, buf.Bytes()); err != nil {
		return fmt.Errorf("%s: %w", path, unwrap(err))
	}
	return nil
}

// put writes data to path through a temporary file.
func put(path string, data []byte) error {
	tmp, f, err := create(path)
	if err != nil {
		return err
	}
	if _, err = f.Write(data); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// create makes a new temporary file beside path, mode 0666 less the umask.
func create(path string) (string, *os.File, error) {
	dir, base := filepath.Split(path)
	for range 10 {
		var b [6]byte
		rand.Read(b[:])
		tmp := filepath.Join(dir, "."+base+"."+hex.EncodeToString(b[:])+".tmp")
		f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return tmp, f, err
	}
	return "", nil, errors.New("no free temporary name")
}

// unwrap drops the path an *fs.PathError or *os.LinkError carries (a
// temporary file's, or one the caller names itself).
func unwrap(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
