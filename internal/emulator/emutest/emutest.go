// Package emutest is the emulator's test tenant: the credentials of
// testdata/kibo/seed.json and a loader for it, so an engine's tests (kibo,
// webhook, listen) run the emulator without compiling the command layer.
package emutest

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/kwh-cli/kwh/internal/emulator"
)

// Credentials of testdata/kibo/seed.json.
const (
	ClientID     = "kwhdemo.WebhookDev.1.0.0.Release"
	SharedSecret = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
	Tenant       = "12345"
	Site         = "23456"
)

// Root is the repository root.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

// Seed loads testdata/kibo/seed.json.
func Seed(t testing.TB) emulator.Seed {
	t.Helper()
	s, err := emulator.LoadSeed(filepath.Join(Root(), "testdata", "kibo", "seed.json"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
