//go:build !unix

package listen

func fdLimit() uint64 { return 0 }
