// Command pinpointd serves Amazon Pinpoint's endpoint API from a local or shared database.
package main

import (
	"context"
	"os"

	"pinpointd/internal/cli"
)

func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}
