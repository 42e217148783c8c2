// Command go-spiffe-bench measures go-spiffe v2 on the inputs of the TypeScript benchmarks
// (bench/go.bench.ts writes them as JSON on its standard input) and prints one JSON document:
// the Go and go-spiffe versions and ops/s per benchmark:
//
//	id-parse      spiffeid.FromString(id)
//	x509-verify   x509svid.ParseAndVerify([leaf, intermediate], bundle of the root)
//	jwt-validate  jwtsvid.ParseAndValidate(token, JWT bundle, [audience])
//	mtls-handshake  a full mTLS handshake between go-spiffe's tlsconfig server and client
//	                (handshake.go; only when the fixture has "handshake"; GOMAXPROCS=1)
//
// Each figure is measured the way bench/go/compare.ts measures the SDK (measureOps): batches grow
// until one batch takes -ms milliseconds (default 1000), and that batch's rate is the figure.
// Flag -only NAME runs one of them.
package main

import (
	"crypto"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/jwtbundle"
	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/jwtsvid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
)

// fixture is what bench/go.bench.ts sends: the same inputs its own benchmarks use.
type fixture struct {
	ID          string   `json:"id"`
	TrustDomain string   `json:"trustDomain"`
	Chain       [][]byte `json:"chain"` // leaf, intermediate (DER)
	Root        []byte   `json:"root"`  // DER
	Token       string   `json:"token"`
	Audience    string   `json:"audience"`
	JWTKeyID    string   `json:"jwtKeyId"`
	JWTKeySPKI  []byte   `json:"jwtKeySpki"` // DER SubjectPublicKeyInfo
	// Handshake, when present, adds mtls-handshake (handshake.go).
	Handshake *handshakeFixture `json:"handshake,omitempty"`
}

type result struct {
	Go        string             `json:"go"`
	GoSpiffe  string             `json:"goSpiffe"`
	OpsPerSec map[string]float64 `json:"opsPerSec"`
}

func main() {
	only := flag.String("only", "", "run only this benchmark")
	ms := flag.Int("ms", 1000, "measuring time per benchmark, in milliseconds")
	flag.Parse()
	var f fixture
	if err := json.NewDecoder(os.Stdin).Decode(&f); err != nil {
		die(fmt.Errorf("reading the fixture: %w", err))
	}
	benches, err := benchmarks(f)
	if err != nil {
		die(err)
	}
	out := result{Go: runtime.Version(), GoSpiffe: goSpiffeVersion(), OpsPerSec: map[string]float64{}}
	for name, fn := range benches {
		if *only != "" && name != *only {
			continue
		}
		procs := runtime.GOMAXPROCS(0)
		if name == "mtls-handshake" {
			// Client and server on one core, as the SDK's are on Node's event loop.
			runtime.GOMAXPROCS(1)
		}
		ops, err := measure(fn, time.Duration(*ms)*time.Millisecond)
		runtime.GOMAXPROCS(procs)
		if err != nil {
			die(fmt.Errorf("%s: %w", name, err))
		}
		out.OpsPerSec[name] = ops
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		die(err)
	}
}

// measure grows the batch until one batch takes d, and answers that batch's rate.
func measure(fn func() error, d time.Duration) (float64, error) {
	n := 1
	for {
		start := time.Now()
		for i := 0; i < n; i++ {
			if err := fn(); err != nil {
				return 0, err
			}
		}
		elapsed := time.Since(start)
		if elapsed >= d || n >= 1e9 {
			return float64(n) / elapsed.Seconds(), nil
		}
		next := int(float64(n) * 1.2 * float64(d) / float64(max(elapsed, 1)))
		n = max(n+1, min(n*100, next))
	}
}

// benchmarks prepares the three measured calls; the set-up is not measured.
func benchmarks(f fixture) (map[string]func() error, error) {
	root, err := x509.ParseCertificate(f.Root)
	if err != nil {
		return nil, err
	}
	td, err := spiffeid.TrustDomainFromString(f.TrustDomain)
	if err != nil {
		return nil, err
	}
	x509Bundles := x509bundle.NewSet(x509bundle.FromX509Authorities(td, []*x509.Certificate{root}))
	key, err := x509.ParsePKIXPublicKey(f.JWTKeySPKI)
	if err != nil {
		return nil, err
	}
	jwtBundles := jwtbundle.NewSet(jwtbundle.FromJWTAuthorities(td, map[string]crypto.PublicKey{f.JWTKeyID: key}))
	audience := []string{f.Audience}
	benches := map[string]func() error{
		"id-parse": func() error {
			_, err := spiffeid.FromString(f.ID)
			return err
		},
		"x509-verify": func() error {
			_, _, err := x509svid.ParseAndVerify(f.Chain, x509Bundles)
			return err
		},
		"jwt-validate": func() error {
			_, err := jwtsvid.ParseAndValidate(f.Token, jwtBundles, audience)
			return err
		},
	}
	if f.Handshake != nil {
		handshake, err := handshakeBench(td, f.Handshake)
		if err != nil {
			return nil, err
		}
		benches["mtls-handshake"] = handshake
	}
	return benches, nil
}

func goSpiffeVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, d := range info.Deps {
			if d.Path == "github.com/spiffe/go-spiffe/v2" {
				return d.Version
			}
		}
	}
	return "unknown"
}

func die(err error) {
	fmt.Fprintln(os.Stderr, "go-spiffe-bench:", err)
	os.Exit(1)
}
