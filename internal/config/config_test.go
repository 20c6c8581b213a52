package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/pflag"
)

func TestResolvePrecedence(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kwh", "config.yaml")
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetProfile("dev", map[string]string{KeyTenant: "1", KeySite: "10", KeyClientID: "file.App.1.0.0.Release", KeySharedSecret: "filesecret"}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"KIBO_TENANT_ID": "2", "KWH_CLIENT_ID": "kwh.App", "KIBO_CLIENT_ID": "kibo.App", "KIBO_CLIENT_SECRET": "envsecret"}
	flags := pflag.NewFlagSet("t", pflag.ContinueOnError)
	flags.String("tenant", "", "")
	flags.String("site", "", "")
	flags.String("client-id", "", "")
	flags.String("auth-host", "", "")
	flags.String("api-host", "", "")
	if err := flags.Parse([]string{"--tenant", "3"}); err != nil {
		t.Fatal(err)
	}
	reloaded, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := reloaded.Resolve("dev", flags, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ key, want, source string }{
		{KeyTenant, "3", "flag --tenant"},             // flag beats env and file
		{KeyClientID, "kwh.App", "env KWH_CLIENT_ID"}, // kwh's own name beats Kibo's
		{KeySharedSecret, "envsecret", "env KIBO_CLIENT_SECRET"},
		{KeySite, "10", "file"},
		{KeyAuthHost, DefaultAuthHost, "default"},
	}
	for _, tt := range tests {
		if got := p.Value(tt.key); got != tt.want || p.Sources[tt.key] != tt.source {
			t.Errorf("%s = %q from %q, want %q from %q", tt.key, got, p.Sources[tt.key], tt.want, tt.source)
		}
	}
}

func TestFilesArePrivate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kwh", "config.yaml")
	f, _ := Load(path)
	if err := f.Set("dev", KeySharedSecret, "s"); err != nil {
		t.Fatal(err)
	}
	if err := f.Use("dev"); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", p, st.Mode().Perm(), want)
		}
	}
	g, _ := Load(path)
	if g.Current() != "dev" || !g.Has("dev") {
		t.Errorf("current=%q profiles=%v", g.Current(), g.Profiles())
	}
	if err := g.Use("nope"); err == nil {
		t.Error("using an unknown profile succeeded")
	}
	if err := g.Set("dev", "colour", "x"); err == nil {
		t.Error("an unknown key was accepted")
	}
}

// A settings write replaces the file whole and leaves nothing beside it;
// one that cannot take the file's name leaves the old state and no
// temporary file (it would hold the secrets).
func TestWriteReplacesTheFileWhole(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	f, _ := Load(path)
	for _, secret := range []string{"first", "second"} {
		if err := f.Set("dev", KeySharedSecret, secret); err != nil {
			t.Fatal(err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "config.yaml" {
		t.Fatalf("beside the config after two writes: %v", entries)
	}
	if g, _ := Load(path); g.Values("dev")[KeySharedSecret] != "second" {
		t.Fatalf("read back %q, want the last write", g.Values("dev")[KeySharedSecret])
	}

	blocked := filepath.Join(dir, "blocked")
	b, err := Load(filepath.Join(blocked, "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// Something else took the name meanwhile: the rename cannot replace it.
	if err := os.MkdirAll(filepath.Join(blocked, "config.yaml", "in-the-way"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := b.Set("dev", KeySharedSecret, "s"); err == nil {
		t.Fatal("a write onto a directory succeeded")
	}
	entries, _ = os.ReadDir(blocked)
	if len(entries) != 1 {
		t.Fatalf("a failed write left %v behind", entries)
	}
}
