// Command djleak finds token leakage and broken mutual-TLS trust in Django
// projects and the nginx configs in front of them.
package main

import (
	"os"
)

func main() {
	tuneGC(os.Getenv, os.Args[1:])
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
