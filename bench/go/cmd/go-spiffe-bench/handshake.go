package main

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/spiffetls/tlsconfig"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
)

// svidFixture is one side's X509-SVID: its chain (leaf first, DER) and PKCS#8 private key.
type svidFixture struct {
	Chain [][]byte `json:"chain"`
	Key   []byte   `json:"key"`
}

// handshakeFixture is what bench/tlsconfig.bench.ts measures the SDK's handshakes with: the same
// SVIDs and roots.
type handshakeFixture struct {
	Server svidFixture `json:"server"`
	Client svidFixture `json:"client"`
	Roots  [][]byte    `json:"roots"` // DER roots of the trust domain
}

// handshakeBench starts a go-spiffe mTLS server on loopback and answers a function that does one
// full mTLS handshake with it as a go-spiffe client: dial, both sides verify and authorize the
// other by SPIFFE ID, and the client reads the one byte the server writes after its handshake.
// Both ends run in this process, as in the SDK's benchmark; main runs it with GOMAXPROCS=1 so
// that both use one core, as Node's event loop does.
func handshakeBench(td spiffeid.TrustDomain, h *handshakeFixture) (func() error, error) {
	server, err := parseSVID(h.Server)
	if err != nil {
		return nil, err
	}
	client, err := parseSVID(h.Client)
	if err != nil {
		return nil, err
	}
	roots := make([]*x509.Certificate, 0, len(h.Roots))
	for _, der := range h.Roots {
		root, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, err
		}
		roots = append(roots, root)
	}
	bundles := x509bundle.NewSet(x509bundle.FromX509Authorities(td, roots))

	serverConfig := tlsconfig.MTLSServerConfig(server, bundles, tlsconfig.AuthorizeID(client.ID))
	ln, err := tls.Listen("tcp", "127.0.0.1:0", serverConfig)
	if err != nil {
		return nil, err
	}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func(conn net.Conn) {
				defer conn.Close()
				if conn.(*tls.Conn).Handshake() == nil {
					_, _ = conn.Write([]byte{'x'})
				}
			}(conn)
		}
	}()
	clientConfig := tlsconfig.MTLSClientConfig(client, bundles, tlsconfig.AuthorizeID(server.ID))
	addr := ln.Addr().String()
	buf := make([]byte, 1)
	return func() error {
		conn, err := tls.Dial("tcp", addr, clientConfig)
		if err != nil {
			return err
		}
		defer conn.Close()
		_, err = io.ReadFull(conn, buf)
		return err
	}, nil
}

func parseSVID(s svidFixture) (*x509svid.SVID, error) {
	var chain []byte
	for _, der := range s.Chain {
		chain = append(chain, der...)
	}
	return x509svid.ParseRaw(chain, s.Key)
}
