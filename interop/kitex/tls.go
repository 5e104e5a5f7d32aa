package main

// TTHeader over TLS with Kitex v0.16.3. Kitex has no TLS option for TTHeader: its netpoll transport
// reads raw sockets, and its only TLS setting is client.WithGRPCTLSConfig (gRPC clients). Its go-net
// transport (pkg/remote/trans/gonet) runs the same TTHeader codec over any net.Conn, though, so a
// server given a crypto/tls listener (server.WithListener) and a client given a dialer returning
// crypto/tls connections (client.WithDialer) speak TTHeader over TLS through public Kitex APIs only.

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/cloudwego/gopkg/bufiox"
	"github.com/cloudwego/kitex/client"
	"github.com/cloudwego/kitex/pkg/remote/trans/gonet"
	"github.com/cloudwego/kitex/server"
)

// tlsFlags are the TLS flags of both modes; empty cert and ca mean plaintext.
type tlsFlags struct {
	cert, key, ca, serverName string
}

func (f *tlsFlags) enabled() bool { return f.cert != "" || f.ca != "" }

func certPool(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("no certificate in %s", file)
	}
	return pool, nil
}

// serverTLS wraps ln in TLS with --tls-cert/--tls-key; with --tls-ca, client certificates that chain
// to it are required (mutual TLS). It returns the Kitex options of the go-net transport.
func serverTLS(f *tlsFlags, ln net.Listener) (net.Listener, []server.Option, error) {
	pair, err := tls.LoadX509KeyPair(f.cert, f.key)
	if err != nil {
		return nil, nil, err
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	if f.ca != "" {
		if cfg.ClientCAs, err = certPool(f.ca); err != nil {
			return nil, nil, err
		}
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return tls.NewListener(ln, cfg), []server.Option{
		server.WithTransServerFactory(gonet.NewTransServerFactory()),
		server.WithTransHandlerFactory(gonet.NewSvrTransHandlerFactory()),
	}, nil
}

// clientTLS returns the Kitex options of a TLS client: the server verified against --tls-ca for
// --tls-server-name (default: the host dialled), --tls-cert/--tls-key presented when given.
func clientTLS(f *tlsFlags) ([]client.Option, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: f.serverName}
	if f.ca != "" {
		pool, err := certPool(f.ca)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	if f.cert != "" {
		pair, err := tls.LoadX509KeyPair(f.cert, f.key)
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return []client.Option{
		client.WithTransHandlerFactory(gonet.NewCliTransHandlerFactory()),
		client.WithDialer(&tlsDialer{cfg: cfg}),
	}, nil
}

// tlsDialer dials TCP and completes a TLS handshake within the connect timeout.
type tlsDialer struct{ cfg *tls.Config }

func (d *tlsDialer) DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: timeout}, network, address, d.cfg)
	if err != nil {
		return nil, err
	}
	return &tlsConn{Conn: conn, r: bufiox.NewDefaultReader(conn), w: bufiox.NewDefaultWriter(conn)}, nil
}

// tlsConn is a TLS connection with the buffered reader and writer Kitex's go-net codec reads and
// writes through (the methods of gonet's connections).
type tlsConn struct {
	net.Conn
	r      *bufiox.DefaultReader
	w      *bufiox.DefaultWriter
	closed uint32
}

func (c *tlsConn) Reader() *bufiox.DefaultReader { return c.r }
func (c *tlsConn) Writer() *bufiox.DefaultWriter { return c.w }
func (c *tlsConn) Read(b []byte) (int, error)    { return c.r.Read(b) }

func (c *tlsConn) Close() error {
	if atomic.CompareAndSwapUint32(&c.closed, 0, 1) {
		c.r.Release(nil)
		return c.Conn.Close()
	}
	return nil
}
