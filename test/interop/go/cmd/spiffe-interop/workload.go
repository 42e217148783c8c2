package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/jwtbundle"
	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/proto/spiffe/workload"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/jwtsvid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
	"github.com/spiffe/go-spiffe/v2/workloadapi"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// x509SVIDJSON is an X509-SVID as the suite compares it: the chain in DER and a digest of the
// public key (never the private key).
type x509SVIDJSON struct {
	ID              string   `json:"id"`
	Hint            string   `json:"hint"`
	Chain           [][]byte `json:"chain"`
	PublicKeySHA256 string   `json:"publicKeySha256"`
	Expiry          string   `json:"expiry"`
}

type x509ContextJSON struct {
	SVIDs   []x509SVIDJSON      `json:"svids"`
	Bundles map[string][][]byte `json:"bundles"`
}

type jwtSVIDJSON struct {
	ID       string         `json:"id"`
	Hint     string         `json:"hint"`
	Token    string         `json:"token"`
	Audience []string       `json:"audience"`
	Expiry   string         `json:"expiry"`
	Claims   map[string]any `json:"claims"`
}

func svidJSON(s *x509svid.SVID) x509SVIDJSON {
	chain := make([][]byte, 0, len(s.Certificates))
	for _, c := range s.Certificates {
		chain = append(chain, c.Raw)
	}
	spki, err := x509.MarshalPKIXPublicKey(s.PrivateKey.Public())
	if err != nil {
		fail(err)
	}
	sum := sha256.Sum256(spki)
	return x509SVIDJSON{
		ID:              s.ID.String(),
		Hint:            s.Hint,
		Chain:           chain,
		PublicKeySHA256: fmt.Sprintf("%x", sum),
		Expiry:          s.Certificates[0].NotAfter.UTC().Format(time.RFC3339),
	}
}

func x509BundlesJSON(set *x509bundle.Set) map[string][][]byte {
	out := map[string][][]byte{}
	for _, b := range set.Bundles() {
		var ders [][]byte
		for _, c := range b.X509Authorities() {
			ders = append(ders, c.Raw)
		}
		out[b.TrustDomain().Name()] = ders
	}
	return out
}

func contextJSON(c *workloadapi.X509Context) x509ContextJSON {
	out := x509ContextJSON{Bundles: x509BundlesJSON(c.Bundles)}
	for _, s := range c.SVIDs {
		out.SVIDs = append(out.SVIDs, svidJSON(s))
	}
	return out
}

func jwtJSON(s *jwtsvid.SVID) jwtSVIDJSON {
	return jwtSVIDJSON{
		ID:       s.ID.String(),
		Hint:     s.Hint,
		Token:    s.Marshal(),
		Audience: s.Audience,
		Expiry:   s.Expiry.UTC().Format(time.RFC3339),
		Claims:   s.Claims,
	}
}

func client(ctx context.Context, addr string) (*workloadapi.Client, error) {
	if addr == "" {
		return nil, errors.New("-addr is required")
	}
	return workloadapi.New(ctx, workloadapi.WithAddr(addr))
}

func runX509(ctx context.Context, args []string) (any, error) {
	var addr string
	if err := flags("x509", args, func(fs *flag.FlagSet) {
		fs.StringVar(&addr, "addr", "", "Workload API address")
	}); err != nil {
		return nil, err
	}
	c, err := client(ctx, addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	x, err := c.FetchX509Context(ctx)
	if err != nil {
		return nil, err
	}
	return contextJSON(x), nil
}

type watcher struct {
	updates chan *workloadapi.X509Context
}

func (w watcher) OnX509ContextUpdate(c *workloadapi.X509Context) { w.updates <- c }
func (w watcher) OnX509ContextWatchError(error)                  {}

// runX509Watch watches the X.509 context and prints two updates, each on a line of its own: the
// first, and the first later one in which the leaf certificate of the SVID -id differs (a
// rotation). Updates that change something else are skipped.
func runX509Watch(ctx context.Context, args []string) (any, error) {
	var addr, id string
	if err := flags("x509-watch", args, func(fs *flag.FlagSet) {
		fs.StringVar(&addr, "addr", "", "Workload API address")
		fs.StringVar(&id, "id", "", "SPIFFE ID of the SVID whose rotation ends the watch")
	}); err != nil {
		return nil, err
	}
	c, err := client(ctx, addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := watcher{updates: make(chan *workloadapi.X509Context, 16)}
	done := make(chan error, 1)
	go func() { done <- c.WatchX509Context(ctx, w) }()
	var first []byte
	for seen := 0; ; seen++ {
		select {
		case u := <-w.updates:
			leaf := leafOf(u, id)
			if leaf == nil {
				return nil, fmt.Errorf("update %d has no SVID for %q", seen, id)
			}
			if first == nil {
				first = leaf
				emit(contextJSON(u))
			} else if !bytes.Equal(first, leaf) {
				emit(contextJSON(u))
				return nil, nil
			}
		case err := <-done:
			return nil, fmt.Errorf("watch ended after %d updates: %w", seen, err)
		case <-ctx.Done():
			return nil, fmt.Errorf("no rotation of %q within the time limit (%d updates)", id, seen)
		}
	}
}

func leafOf(c *workloadapi.X509Context, id string) []byte {
	for _, s := range c.SVIDs {
		if s.ID.String() == id {
			return s.Certificates[0].Raw
		}
	}
	return nil
}

func runJWT(ctx context.Context, args []string) (any, error) {
	var addr, audience, subject string
	if err := flags("jwt", args, func(fs *flag.FlagSet) {
		fs.StringVar(&addr, "addr", "", "Workload API address")
		fs.StringVar(&audience, "audience", "", "audiences, comma separated")
		fs.StringVar(&subject, "subject", "", "SPIFFE ID of the SVID to fetch")
	}); err != nil {
		return nil, err
	}
	c, err := client(ctx, addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	auds := splitList(audience)
	params := jwtsvid.Params{}
	if len(auds) > 0 {
		params.Audience = auds[0]
		params.ExtraAudiences = auds[1:]
	}
	if subject != "" {
		if params.Subject, err = spiffeid.FromString(subject); err != nil {
			return nil, err
		}
	}
	svids, err := c.FetchJWTSVIDs(ctx, params)
	if err != nil {
		return nil, err
	}
	out := []jwtSVIDJSON{}
	for _, s := range svids {
		out = append(out, jwtJSON(s))
	}
	return map[string]any{"svids": out}, nil
}

func runJWTValidate(ctx context.Context, args []string) (any, error) {
	var addr, audience, token string
	if err := flags("jwt-validate", args, func(fs *flag.FlagSet) {
		fs.StringVar(&addr, "addr", "", "Workload API address")
		fs.StringVar(&audience, "audience", "", "audience")
		fs.StringVar(&token, "token", "", "the JWT-SVID")
	}); err != nil {
		return nil, err
	}
	c, err := client(ctx, addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	s, err := c.ValidateJWTSVID(ctx, token, audience)
	if err != nil {
		return nil, err
	}
	return jwtJSON(s), nil
}

func runBundles(ctx context.Context, args []string) (any, error) {
	var addr string
	if err := flags("bundles", args, func(fs *flag.FlagSet) {
		fs.StringVar(&addr, "addr", "", "Workload API address")
	}); err != nil {
		return nil, err
	}
	c, err := client(ctx, addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	x, err := c.FetchX509Bundles(ctx)
	if err != nil {
		return nil, err
	}
	j, err := c.FetchJWTBundles(ctx)
	if err != nil {
		return nil, err
	}
	return map[string]any{"x509": x509BundlesJSON(x), "jwt": jwtBundlesJSON(j)}, nil
}

func jwtBundlesJSON(set *jwtbundle.Set) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for _, b := range set.Bundles() {
		raw, err := b.Marshal()
		if err != nil {
			fail(err)
		}
		out[b.TrustDomain().Name()] = raw
	}
	return out
}

// runNoHeader makes a FetchX509SVID call without the workload.spiffe.io header, with grpc-go
// and go-spiffe's generated client, and reports the status the agent answered.
func runNoHeader(ctx context.Context, args []string) (any, error) {
	var addr string
	if err := flags("no-header", args, func(fs *flag.FlagSet) {
		fs.StringVar(&addr, "addr", "", "Workload API address")
	}); err != nil {
		return nil, err
	}
	target, err := workloadapi.TargetFromAddress(addr)
	if err != nil {
		return nil, err
	}
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	stream, err := workload.NewSpiffeWorkloadAPIClient(conn).FetchX509SVID(ctx, &workload.X509SVIDRequest{})
	if err == nil {
		_, err = stream.Recv()
	}
	st := status.Convert(err)
	return map[string]string{"code": st.Code().String(), "message": st.Message()}, nil
}
