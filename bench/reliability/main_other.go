//go:build !linux

// Command reliability runs on Linux only (tmpfs, prlimit, /proc).
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "bench/reliability runs on Linux only")
	os.Exit(1)
}
