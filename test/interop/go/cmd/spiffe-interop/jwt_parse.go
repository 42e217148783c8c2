package main

import (
	"context"
	"flag"

	"github.com/spiffe/go-spiffe/v2/bundle/spiffebundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/jwtsvid"
)

// runJWTParse validates a token with jwtsvid.ParseAndValidate against the JWT authorities of a
// SPIFFE bundle file (the JSON of SpiffeBundle.marshal / spire-server bundle show -format spiffe).
func runJWTParse(_ context.Context, args []string) (any, error) {
	var bundlePath, td, audience, token string
	if err := flags("jwt-parse", args, func(fs *flag.FlagSet) {
		fs.StringVar(&bundlePath, "bundle", "", "SPIFFE bundle file")
		fs.StringVar(&td, "td", "", "trust domain of the bundle")
		fs.StringVar(&audience, "audience", "", "expected audiences, comma separated")
		fs.StringVar(&token, "token", "", "the JWT-SVID")
	}); err != nil {
		return nil, err
	}
	trustDomain, err := spiffeid.TrustDomainFromString(td)
	if err != nil {
		return nil, err
	}
	bundle, err := spiffebundle.Load(trustDomain, bundlePath)
	if err != nil {
		return nil, err
	}
	s, err := jwtsvid.ParseAndValidate(token, bundle, splitList(audience))
	if err != nil {
		return nil, err
	}
	return jwtJSON(s), nil
}
