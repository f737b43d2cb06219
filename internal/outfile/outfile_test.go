package outfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("old"), 0o644)
	link := filepath.Join(dir, "link")
	os.Symlink(file, link)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		overwrite  bool
		want       string // "" for no error
	}{
		{"new file", filepath.Join(dir, "new"), false, ""},
		{"existing file", file, false, "file exists"},
		{"existing file, overwrite", file, true, ""},
		{"symbolic link", link, true, "is a symbolic link"},
		{"directory", dir, true, "is a directory"},
		{"named pipe", fifo, true, "is not a regular file (a named pipe)"},
		{"missing directory", filepath.Join(dir, "nosuch", "out"), false, "directory " + filepath.Join(dir, "nosuch") + " does not exist"},
		{"file as directory", filepath.Join(file, "out"), false, "not a directory"},
		{"empty path", "", false, "empty path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.path, tt.overwrite)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Check(%q) = %v, want nil", tt.path, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Check(%q) = %v, want an error containing %q", tt.path, err, tt.want)
			}
		})
	}
	if err := Check(file, false); !errors.Is(err, ErrExists) {
		t.Errorf("Check of an existing file = %v, want ErrExists", err)
	}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)
	if err := Write(path, func(w io.Writer) error { _, err := io.WriteString(w, "one"); return err }); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o640 {
		t.Errorf("mode %v, want 0640 (0666 less the umask 027)", got)
	}
	// A failed write leaves the old content and no temporary file, and
	// its error is the writer's.
	boom := errors.New("boom")
	err = Write(path, func(w io.Writer) error { io.WriteString(w, "partial"); return boom })
	if !errors.Is(err, boom) {
		t.Errorf("Write = %v, want the writer's error", err)
	}
	if data, _ := os.ReadFile(path); string(data) != "one" {
		t.Errorf("content %q after a failed write, want %q", data, "one")
	}
	// A rename that fails (path is now a directory) names path, not the
	// temporary file, and leaves no temporary file.
	os.Remove(path)
	os.Mkdir(path, 0o755)
	err = Write(path, func(w io.Writer) error { _, err := io.WriteString(w, "two"); return err })
	if err == nil || strings.Contains(err.Error(), ".tmp") || !strings.HasPrefix(err.Error(), path+": ") {
		t.Errorf("Write over a directory = %v, want an error naming %s and no temporary file", err, path)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files left: %v, want only %s", entries, path)
	}
}
