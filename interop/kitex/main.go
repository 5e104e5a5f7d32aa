// kitex-echo: a Kitex (Go) peer for Skein's interop test (examples/.../interop/KitexInteropTest.java).
//
//	kitex-echo server --addr 127.0.0.1:0 [--tls-cert PEM --tls-key PEM [--tls-ca PEM]]
//	    serves skein.examples.echo.Echo/Say with Kitex over TTHeader + Kitex Protobuf and prints
//	    "listening on HOST:PORT" once bound. With --tls-cert over TLS (Kitex's go-net transport, see
//	    tls.go); with --tls-ca too, client certificates chaining to it are required.
//	kitex-echo client --addr HOST:PORT --message M [--metadata k=v]... [--persistent k=v]...
//	                  [--timeout-ms N] [--delay-ms N] [--fail-with N] [--payload S]
//	                  [--method Say|Missing] [--malformed]
//	                  [--tls-ca PEM [--tls-server-name N] [--tls-cert PEM --tls-key PEM]]
//	    calls Say (or --method) through a Kitex client (TTHeaderFramed, protobuf) and prints
//	    "message=<m> served_by=<s> payload=<p>" (exit 0) or "ERROR <err>" (exit 1), then, for a
//	    kerrors.BizStatusError, "biz_status=<code>", "biz_message=<msg>" and "biz_extra=<JSON, keys
//	    sorted>", for a remote.TransError "type_id=<id>", and the backward values ("backward k=v").
//	    --malformed sends a request payload that is not protobuf.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/bytedance/gopkg/cloud/metainfo"
	"github.com/cloudwego/kitex/client"
	"github.com/cloudwego/kitex/pkg/kerrors"
	"github.com/cloudwego/kitex/pkg/klog"
	"github.com/cloudwego/kitex/pkg/remote"
	"github.com/cloudwego/kitex/pkg/transmeta"
	"github.com/cloudwego/kitex/server"
	"github.com/cloudwego/kitex/transport"
)

// EchoKey is the metainfo key the server reflects into its reply message.
const EchoKey = "echo-key"

// FailAsKey is the metainfo key that makes a failing call (fail_with != 0) return a plain Go error
// (value "error") instead of a business status error.
const FailAsKey = "fail-as"

// ExtraPrefix marks the metainfo values a failing call puts into its business status error's extra,
// under the key without the prefix.
const ExtraPrefix = "extra-"

// TraceparentKey is the W3C Trace Context key that kitex-contrib/obs-opentelemetry's propagator writes
// into (and reads from) transient metainfo, i.e. TTHeader string key RPC_TRANSIT_traceparent.
const TraceparentKey = "traceparent"

type kvFlag []string

func (f *kvFlag) String() string { return strings.Join(*f, ",") }
func (f *kvFlag) Set(v string) error {
	if !strings.Contains(v, "=") {
		return fmt.Errorf("expected k=v, got %q", v)
	}
	*f = append(*f, v)
	return nil
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: kitex-echo server|client [flags]")
		os.Exit(2)
	}
	klog.SetLevel(klog.LevelWarn)
	switch os.Args[1] {
	case "server":
		runServer(os.Args[2:])
	case "client":
		os.Exit(runClient(os.Args[2:]))
	default:
		fmt.Fprintf(os.Stderr, "unknown mode %q\n", os.Args[1])
		os.Exit(2)
	}
}

type echoImpl struct{}

// Say echoes message and payload, served_by = "kitex". The values of "echo-key" it received are
// appended to the message: "|transient:<v>" and/or "|persistent:<v>". delay_ms waits first (the
// server does not enforce the caller's RPCTimeout: no WithEnableContextTimeout, Kitex's default, so a
// Skein client's deadline test is decided by the client alone). fail_with != 0 fails the call with the
// request message: by default with kerrors.NewBizStatusErrorWithExtra(fail_with, message, extra), extra
// being the transient metainfo values whose keys start with "extra-" (prefix removed), which Kitex
// sends as a Reply with biz-status/biz-message/biz-extra; with transient metainfo "fail-as" = "error"
// with a plain Go error (a Kitex handler error: Exception, ErrorProto TypeID 6). A W3C traceparent
// among the transient metainfo values (where kitex-contrib/obs-opentelemetry's server middleware reads
// it: metainfo.GetAllValues) is appended as "|traceparent:<v>".
func (*echoImpl) Say(ctx context.Context, req *EchoRequest) (*EchoReply, error) {
	if req.DelayMs > 0 {
		select {
		case <-time.After(time.Duration(req.DelayMs) * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if req.FailWith != 0 {
		if v, _ := metainfo.GetValue(ctx, FailAsKey); v == "error" {
			return nil, errors.New(req.Message)
		}
		extra := map[string]string{}
		for k, v := range metainfo.GetAllValues(ctx) {
			if strings.HasPrefix(k, ExtraPrefix) {
				extra[strings.TrimPrefix(k, ExtraPrefix)] = v
			}
		}
		return nil, kerrors.NewBizStatusErrorWithExtra(req.FailWith, req.Message, extra)
	}
	msg := req.Message
	if v, ok := metainfo.GetValue(ctx, EchoKey); ok {
		msg += "|transient:" + v
	}
	if v, ok := metainfo.GetPersistentValue(ctx, EchoKey); ok {
		msg += "|persistent:" + v
	}
	if v, ok := metainfo.GetAllValues(ctx)[TraceparentKey]; ok {
		msg += "|traceparent:" + v
	}
	// A backward value, which a Skein client reads as transient response metadata.
	metainfo.SendBackwardValue(ctx, "kitex-backward", "b1")
	return &EchoReply{Message: msg, Payload: req.Payload, ServedBy: "kitex"}, nil
}

func runServer(args []string) {
	fs := flag.NewFlagSet("server", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	var tf tlsFlags
	fs.StringVar(&tf.cert, "tls-cert", "", "PEM certificate chain: serve over TLS")
	fs.StringVar(&tf.key, "tls-key", "", "PEM private key of --tls-cert")
	fs.StringVar(&tf.ca, "tls-ca", "", "PEM CA bundle: require client certificates chaining to it")
	_ = fs.Parse(args)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "listen %s: %v\n", *addr, err)
		os.Exit(1)
	}
	bound := ln.Addr().String()
	opts := []server.Option{
		server.WithMetaHandler(transmeta.ServerTTHeaderHandler),
		server.WithExitWaitTime(time.Second),
	}
	if tf.cert != "" {
		var tlsOpts []server.Option
		if ln, tlsOpts, err = serverTLS(&tf, ln); err != nil {
			fmt.Fprintf(os.Stderr, "tls: %v\n", err)
			os.Exit(1)
		}
		opts = append(opts, tlsOpts...)
	}
	svr := server.NewServer(append(opts, server.WithListener(ln))...)
	if err := svr.RegisterService(echoServiceInfo(), &echoImpl{}); err != nil {
		fmt.Fprintf(os.Stderr, "register: %v\n", err)
		os.Exit(1)
	}
	// The listener is bound already; connections made before Run accepts them wait in the backlog.
	fmt.Printf("listening on %s\n", bound)
	if err := svr.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "server stopped: %v\n", err)
		os.Exit(1)
	}
}

func runClient(args []string) int {
	fs := flag.NewFlagSet("client", flag.ExitOnError)
	addr := fs.String("addr", "", "server HOST:PORT")
	message := fs.String("message", "", "EchoRequest.message")
	payload := fs.String("payload", "", "EchoRequest.payload (UTF-8)")
	timeoutMs := fs.Int("timeout-ms", 0, "RPC timeout in ms (0: none)")
	delayMs := fs.Int("delay-ms", 0, "EchoRequest.delay_ms")
	failWith := fs.Int("fail-with", 0, "EchoRequest.fail_with")
	method := fs.String("method", "Say", "the method to call: Say, or Missing (same messages, unknown to Skein)")
	malformed := fs.Bool("malformed", false, "send a request payload that is not protobuf")
	var transient, persistent kvFlag
	fs.Var(&transient, "metadata", "transient metainfo k=v (repeatable)")
	fs.Var(&persistent, "persistent", "persistent metainfo k=v (repeatable)")
	var tf tlsFlags
	fs.StringVar(&tf.ca, "tls-ca", "", "PEM CA bundle: call over TLS, verifying the server against it")
	fs.StringVar(&tf.serverName, "tls-server-name", "", "name the server's certificate must carry (default: the host)")
	fs.StringVar(&tf.cert, "tls-cert", "", "PEM client certificate (mutual TLS)")
	fs.StringVar(&tf.key, "tls-key", "", "PEM private key of --tls-cert")
	_ = fs.Parse(args)
	if *addr == "" {
		fmt.Println("ERROR --addr is required")
		return 1
	}

	opts := []client.Option{
		client.WithDestService("skein-echo"), // the callee's registry name (TTHeader ToService), required by Kitex
		client.WithHostPorts(*addr),
		client.WithTransportProtocol(transport.TTHeaderFramed),
		client.WithMetaHandler(transmeta.ClientTTHeaderHandler),
	}
	if tf.enabled() {
		tlsOpts, err := clientTLS(&tf)
		if err != nil {
			fmt.Printf("ERROR tls: %v\n", err)
			return 1
		}
		opts = append(opts, tlsOpts...)
	}
	if *timeoutMs > 0 {
		opts = append(opts, client.WithRPCTimeout(time.Duration(*timeoutMs)*time.Millisecond))
	}
	cli, err := client.NewClient(echoServiceInfo(), opts...)
	if err != nil {
		fmt.Printf("ERROR new client: %v\n", err)
		return 1
	}

	ctx := metainfo.WithBackwardValues(context.Background())
	for _, kv := range transient {
		k, v, _ := strings.Cut(kv, "=")
		ctx = metainfo.WithValue(ctx, k, v)
	}
	for _, kv := range persistent {
		k, v, _ := strings.Cut(kv, "=")
		ctx = metainfo.WithPersistentValue(ctx, k, v)
	}
	args_ := &SayArgs{Req: &EchoRequest{
		Message:  *message,
		Payload:  []byte(*payload),
		DelayMs:  int32(*delayMs),
		FailWith: int32(*failWith),
	}}
	if *malformed {
		args_.Raw = []byte{0xff, 0xff, 0xff} // field 0x1fffff..., truncated varint: not protobuf
	}
	result := &SayResult{}
	err = cli.Call(ctx, *method, args_, result)
	backward := metainfo.RecvAllBackwardValues(ctx)
	if err != nil {
		fmt.Printf("ERROR %v\n", err)
		if bizErr, ok := kerrors.FromBizStatusError(err); ok {
			fmt.Printf("biz_status=%d\n", bizErr.BizStatusCode())
			fmt.Printf("biz_message=%s\n", bizErr.BizMessage())
			extra := bizErr.BizExtra()
			if extra == nil {
				extra = map[string]string{}
			}
			js, _ := json.Marshal(extra) // sorted keys, one line
			fmt.Printf("biz_extra=%s\n", js)
		}
		var te *remote.TransError
		if errors.As(err, &te) {
			fmt.Printf("type_id=%d\n", te.TypeID())
		}
		printBackward(backward)
		return 1
	}
	reply := result.Success
	fmt.Printf("message=%s served_by=%s payload=%s\n", reply.Message, reply.ServedBy, string(reply.Payload))
	printBackward(backward)
	return 0
}

// printBackward prints the response's backward values (TTHeader STRKV a server sent back), one
// "backward k=v" line each, sorted.
func printBackward(values map[string]string) {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Printf("backward %s=%s\n", k, values[k])
	}
}
