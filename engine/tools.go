//go:build tools

// Package tools pins the Pulumi CLI as a dependency of this module, so `go build` of its command
// package resolves every transitive module from go.sum instead of from whatever the proxy serves
// on the day of the build.
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
