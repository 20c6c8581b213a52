//go:build !linux

package listen

// machineCPU has no figures here: kwh never paces but on Linux.
func machineCPU() func() (cpuTimes, bool) { return nil }
