package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/spiffetls"
	"github.com/spiffe/go-spiffe/v2/spiffetls/tlsconfig"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
	"github.com/spiffe/go-spiffe/v2/workloadapi"
)

type mtlsFlags struct {
	addr, authorize, pick, connect string
}

func (m *mtlsFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&m.addr, "addr", "", "Workload API address the X509Source uses")
	fs.StringVar(&m.authorize, "authorize", "", "the peer SPIFFE ID to authorize (tlsconfig.AuthorizeID)")
	fs.StringVar(&m.pick, "pick", "", "the SPIFFE ID of the own SVID, when the workload has several")
}

// source opens a go-spiffe X509Source on -addr, picking the SVID -pick when given.
func (m *mtlsFlags) source(ctx context.Context) (*workloadapi.X509Source, spiffeid.ID, error) {
	if m.addr == "" || m.authorize == "" {
		return nil, spiffeid.ID{}, errors.New("-addr and -authorize are required")
	}
	peer, err := spiffeid.FromString(m.authorize)
	if err != nil {
		return nil, spiffeid.ID{}, err
	}
	opts := []workloadapi.X509SourceOption{workloadapi.WithClientOptions(workloadapi.WithAddr(m.addr))}
	if m.pick != "" {
		want := m.pick
		opts = append(opts, workloadapi.WithDefaultX509SVIDPicker(func(svids []*x509svid.SVID) *x509svid.SVID {
			for _, s := range svids {
				if s.ID.String() == want {
					return s
				}
			}
			return svids[0]
		}))
	}
	src, err := workloadapi.NewX509Source(ctx, opts...)
	if err != nil {
		return nil, spiffeid.ID{}, err
	}
	return src, peer, nil
}

// runMTLSServer listens on 127.0.0.1 with spiffetls (mTLS, AuthorizeID(-authorize)), prints
// {"listening": "127.0.0.1:port", "id": own ID}, then for each client prints
// {"accepted": peer ID} and answers "hello <peer ID>\n", or prints {"refused": reason}. It stops
// when its standard input closes.
func runMTLSServer(ctx context.Context, args []string) (any, error) {
	var m mtlsFlags
	if err := flags("mtls-server", args, m.define); err != nil {
		return nil, err
	}
	src, peer, err := m.source(ctx)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	own, err := src.GetX509SVID()
	if err != nil {
		return nil, err
	}
	// The listener outlives the start-up timeout: it runs until stdin closes.
	ln, err := spiffetls.ListenWithMode(context.Background(), "tcp", "127.0.0.1:0",
		spiffetls.MTLSServerWithSource(tlsconfig.AuthorizeID(peer), src))
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	emit(map[string]string{"listening": ln.Addr().String(), "id": own.ID.String()})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		ln.Close()
	}()
	for {
		conn, err := ln.Accept()
		if err != nil {
			return nil, nil // the listener was closed
		}
		serve(conn)
	}
}

func serve(conn net.Conn) {
	defer conn.Close()
	id, err := spiffetls.PeerIDFromConn(conn) // runs the handshake: verification and authorization
	if err != nil {
		emit(map[string]string{"refused": err.Error()})
		return
	}
	emit(map[string]string{"accepted": id.String()})
	fmt.Fprintf(conn, "hello %s\n", id)
}

// runMTLSClient dials -connect with spiffetls (mTLS, AuthorizeID(-authorize)), reads one line
// and prints {"peer": server ID, "id": own ID, "line": what the server said}.
func runMTLSClient(ctx context.Context, args []string) (any, error) {
	var m mtlsFlags
	if err := flags("mtls-client", args, func(fs *flag.FlagSet) {
		m.define(fs)
		fs.StringVar(&m.connect, "connect", "", "HOST:PORT of the server")
	}); err != nil {
		return nil, err
	}
	src, peer, err := m.source(ctx)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	own, err := src.GetX509SVID()
	if err != nil {
		return nil, err
	}
	conn, err := spiffetls.DialWithMode(ctx, "tcp", m.connect, spiffetls.MTLSClientWithSource(tlsconfig.AuthorizeID(peer), src))
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	id, err := spiffetls.PeerIDFromConn(conn)
	if err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return nil, fmt.Errorf("reading the server's answer: %w", err)
	}
	return map[string]string{"peer": id.String(), "id": own.ID.String(), "line": line}, nil
}
