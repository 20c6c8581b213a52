// Command kwh manages and debugs Kibo Commerce webhooks.
package main

import (
	"os"

	"github.com/kwh-cli/kwh/internal/app"
)

// version is set at build time: -ldflags "-X main.version=1.2.3".
var version = "dev"

func main() { os.Exit(app.Main(version, os.Args[1:])) }
