package boltstore

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Files another user could have planted in --store are refused, as ssh
// refuses such keys, instead of being written into.
func TestStoreRefusesFilesOthersControl(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(t *testing.T, dir string)
		reason string
	}{
		{"world-writable folder", func(t *testing.T, dir string) { chmod(t, dir, 0o777) }, "other users can write it (mode 0777)"},
		{"group-writable folder", func(t *testing.T, dir string) { chmod(t, dir, 0o770) }, "other users can write it (mode 0770)"},
		{"planted log, mode 0666", func(t *testing.T, dir string) { plant(t, filepath.Join(dir, "listen.db-wal"), 0o666) }, "listen.db-wal: other users can write it"},
		{"planted store file, mode 0666", func(t *testing.T, dir string) { plant(t, filepath.Join(dir, "listen.db"), 0o666) }, "listen.db: other users can write it"},
		{"log is a link", func(t *testing.T, dir string) {
			if err := os.Symlink(filepath.Join(dir, "elsewhere"), filepath.Join(dir, "listen.db-wal")); err != nil {
				t.Fatal(err)
			}
		}, "not a regular file"},
		{"log owned by another user", func(t *testing.T, dir string) {
			if os.Getuid() != 0 {
				t.Skip("needs root to give a file to another user")
			}
			path := filepath.Join(dir, "listen.db-wal")
			plant(t, path, 0o600)
			if err := os.Chown(path, 65534, 65534); err != nil {
				t.Fatal(err)
			}
		}, "belongs to uid 65534"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "store")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			tt.setup(t, dir)
			st, err := Open(filepath.Join(dir, "listen.db"))
			if err == nil {
				st.Close()
				t.Fatalf("opened, want a refusal saying %q", tt.reason)
			}
			if !strings.Contains(err.Error(), tt.reason) || !strings.Contains(err.Error(), "--store") {
				t.Fatalf("error %q, want it to say %q and name --store", err, tt.reason)
			}
		})
	}
}

func TestNewStoreFilesArePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	st, err := Open(filepath.Join(dir, "listen.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, name := range []string{".", "listen.db", "listen.db-wal"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("%s: mode %04o, want no access for others", name, perm)
		}
	}
}

func chmod(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func plant(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, nil, mode); err != nil {
		t.Fatal(err)
	}
	chmod(t, path, mode)
}
