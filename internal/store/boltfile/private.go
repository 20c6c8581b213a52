package boltfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// A store folder or file someone else can write is refused, as ssh refuses
// such keys: another user could have planted a file kwh would then write
// secrets into or read events from.

// CheckPrivateDir refuses a directory that is not the user's or is
// writable by group or others; a directory that does not exist yet passes.
func CheckPrivateDir(dir string) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("the store folder %s is not a folder", dir)
	}
	return checkPrivate(dir, "store folder", fi)
}

// CheckPrivateFile refuses a file that is not a regular file of the user's,
// or is writable by group or others; a file that does not exist passes.
func CheckPrivateFile(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("refusing %s: not a regular file (a link or device someone may have planted): remove it or choose another --store", path)
	}
	return checkPrivate(path, "store file", fi)
}

func checkPrivate(path, what string, fi fs.FileInfo) error {
	if uid, ok := owner(fi); ok && uid != os.Getuid() {
		return fmt.Errorf("refusing the %s %s: it belongs to uid %d, not to you (uid %d): remove it or choose another --store", what, path, uid, os.Getuid())
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		return fmt.Errorf("refusing the %s %s: other users can write it (mode %04o): run chmod go-w %s, or choose another --store", what, path, perm, path)
	}
	return nil
}

// CreatePrivate creates path for writing, 0600, failing if it exists: no
// file another user planted is ever opened.
func CreatePrivate(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
}

// WritePrivate replaces path with data through a new 0600 file created
// beside it (O_EXCL) and renamed over it.
func WritePrivate(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
	}
	return err
}
