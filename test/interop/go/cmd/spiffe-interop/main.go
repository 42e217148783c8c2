// Command spiffe-interop drives go-spiffe v2 for the interop suite of @spiffe-ts/sdk
// (test/interop). Every subcommand prints one JSON document on stdout (the long-running
// ones print one per line) and exits 0; on failure it prints {"error": ..., "code": ...} and
// exits 1. Subcommands:
//
//	x509          -addr A [-pick ID]                    go-spiffe workloadapi.FetchX509Context
//	x509-watch    -addr A -id ID                        workloadapi.WatchX509Context until ID rotates
//	jwt           -addr A -audience a[,b] [-subject ID] workloadapi.FetchJWTSVIDs
//	jwt-validate  -addr A -audience a -token T          workloadapi.ValidateJWTSVID
//	bundles       -addr A                               FetchX509Bundles + FetchJWTBundles
//	no-header     -addr A                               a raw FetchX509SVID without the security header
//	jwt-parse     -bundle F -td TD -audience a -token T jwtsvid.ParseAndValidate against a SPIFFE bundle file
//	mtls-server   -addr A -authorize ID [-pick ID]      spiffetls.ListenWithMode(MTLSServerWithSource)
//	mtls-client   -addr A -connect H:P -authorize ID [-pick ID]   spiffetls.DialWithMode(MTLSClientWithSource)
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc/status"
)

type command struct {
	run   func(ctx context.Context, args []string) (any, error)
	usage string
}

var commands = map[string]command{
	"x509":         {runX509, "-addr A [-pick ID]"},
	"x509-watch":   {runX509Watch, "-addr A -id ID"},
	"jwt":          {runJWT, "-addr A -audience a[,b] [-subject ID]"},
	"jwt-validate": {runJWTValidate, "-addr A -audience a -token T"},
	"bundles":      {runBundles, "-addr A"},
	"no-header":    {runNoHeader, "-addr A"},
	"jwt-parse":    {runJWTParse, "-bundle FILE -td TD -audience a -token T"},
	"mtls-server":  {runMTLSServer, "-addr A -authorize ID [-pick ID]"},
	"mtls-client":  {runMTLSClient, "-addr A -connect HOST:PORT -authorize ID [-pick ID]"},
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	cmd, ok := commands[os.Args[1]]
	if !ok {
		usage()
	}
	timeout := 30 * time.Second
	if v := os.Getenv("INTEROP_TIMEOUT"); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			timeout = d
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out, err := cmd.run(ctx, os.Args[2:])
	if err != nil {
		fail(err)
	}
	if out != nil {
		emit(out)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: spiffe-interop <command> [flags]")
	for name, c := range commands {
		fmt.Fprintf(os.Stderr, "  %s %s\n", name, c.usage)
	}
	os.Exit(2)
}

// emit prints one JSON document on a line of its own.
func emit(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		fail(err)
	}
	os.Stdout.Write(append(b, '\n'))
}

// failure is the JSON printed for an error: the message and, for a gRPC status, its code name.
type failure struct {
	Error string `json:"error"`
	Code  string `json:"code,omitempty"`
}

func describe(err error) failure {
	f := failure{Error: err.Error()}
	var se interface{ GRPCStatus() *status.Status }
	if errors.As(err, &se) {
		f.Code = se.GRPCStatus().Code().String()
		f.Error = se.GRPCStatus().Message()
	}
	return f
}

func fail(err error) {
	emit(describe(err))
	os.Exit(1)
}

// flags parses the flags of a subcommand.
func flags(name string, args []string, define func(fs *flag.FlagSet)) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	define(fs)
	return fs.Parse(args)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
