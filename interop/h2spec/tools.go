//go:build tools

// Package tools pins h2spec (github.com/summerwind/h2spec), the HTTP/2 conformance suite that
// examples' H2SpecConformanceTest runs against a Skein server. Nothing here is compiled into Skein:
// the test runs `go build github.com/summerwind/h2spec/cmd/h2spec` in this module.
//
// The pin is v2.2.1+incompatible, the newest h2spec release the Go module proxy serves: from v2.3.0 on,
// h2spec's go.mod names the module github.com/summerwind/h2spec without the /v2 suffix its v2.x tags
// require, so `go install github.com/summerwind/h2spec/cmd/h2spec@v2.6.0` is refused. v2.6.0 (built from
// its git tag) adds one case (hpack/2.3.3/2) and rewords two; Skein passes all of its 146 cases too
// (docs/protocol.md, "HTTP/2 error handling").
package tools

import _ "github.com/summerwind/h2spec/cmd/h2spec"
