//go:build tools

// Package tools pins the SPIRE commands that scripts/interop/build.mjs builds. The build script
// copies this file into a wrapper module in the interop cache folder, next to a generated go.mod.
package tools

import (
	_ "github.com/spiffe/spire/cmd/spire-agent"
	_ "github.com/spiffe/spire/cmd/spire-server"
)
