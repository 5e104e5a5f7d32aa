// Hand-written Kitex bindings for skein.examples.echo.Echo (examples/src/main/proto/echo.proto),
// so that neither protoc nor the kitex code generator is needed. Messages are encoded with
// protowire; the args/result wrappers implement Kitex's ProtobufMsgCodec (Marshal/Unmarshal).
package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/cloudwego/kitex/pkg/serviceinfo"
	"google.golang.org/protobuf/encoding/protowire"
)

// EchoRequest mirrors skein.examples.echo.EchoRequest.
type EchoRequest struct {
	Message  string // 1
	Payload  []byte // 2
	DelayMs  int32  // 3
	FailWith int32  // 4
}

// EchoReply mirrors skein.examples.echo.EchoReply.
type EchoReply struct {
	Message  string // 1
	Payload  []byte // 2
	Seq      int64  // 3
	ServedBy string // 4
}

func appendString(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendBytes(b []byte, num protowire.Number, v []byte) []byte {
	if len(v) == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func appendVarint(b []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

// decode walks the fields of a message, calling onField for each known (number, type) and
// skipping unknown ones, as proto3 requires.
func decode(in []byte, onField func(num protowire.Number, typ protowire.Type, in []byte) (int, error)) error {
	for len(in) > 0 {
		num, typ, n := protowire.ConsumeTag(in)
		if n < 0 {
			return protowire.ParseError(n)
		}
		in = in[n:]
		used, err := onField(num, typ, in)
		if err != nil {
			return err
		}
		if used < 0 {
			used = protowire.ConsumeFieldValue(num, typ, in)
			if used < 0 {
				return protowire.ParseError(used)
			}
		}
		in = in[used:]
	}
	return nil
}

func consumeString(typ protowire.Type, in []byte, dst *string) (int, error) {
	if typ != protowire.BytesType {
		return -1, nil
	}
	v, n := protowire.ConsumeString(in)
	if n < 0 {
		return 0, protowire.ParseError(n)
	}
	*dst = v
	return n, nil
}

func consumeBytes(typ protowire.Type, in []byte, dst *[]byte) (int, error) {
	if typ != protowire.BytesType {
		return -1, nil
	}
	v, n := protowire.ConsumeBytes(in)
	if n < 0 {
		return 0, protowire.ParseError(n)
	}
	*dst = append([]byte(nil), v...)
	return n, nil
}

func consumeVarint(typ protowire.Type, in []byte, dst *uint64) (int, error) {
	if typ != protowire.VarintType {
		return -1, nil
	}
	v, n := protowire.ConsumeVarint(in)
	if n < 0 {
		return 0, protowire.ParseError(n)
	}
	*dst = v
	return n, nil
}

// Marshal encodes the request in protobuf wire format.
func (m *EchoRequest) Marshal(b []byte) []byte {
	b = appendString(b, 1, m.Message)
	b = appendBytes(b, 2, m.Payload)
	b = appendVarint(b, 3, uint64(int64(m.DelayMs))) // int32: negative values sign-extend to 10 bytes
	b = appendVarint(b, 4, uint64(int64(m.FailWith)))
	return b
}

// Unmarshal decodes the request from protobuf wire format.
func (m *EchoRequest) Unmarshal(in []byte) error {
	*m = EchoRequest{}
	return decode(in, func(num protowire.Number, typ protowire.Type, in []byte) (int, error) {
		var v uint64
		switch num {
		case 1:
			return consumeString(typ, in, &m.Message)
		case 2:
			return consumeBytes(typ, in, &m.Payload)
		case 3:
			n, err := consumeVarint(typ, in, &v)
			m.DelayMs = int32(v)
			return n, err
		case 4:
			n, err := consumeVarint(typ, in, &v)
			m.FailWith = int32(v)
			return n, err
		}
		return -1, nil
	})
}

// Marshal encodes the reply in protobuf wire format.
func (m *EchoReply) Marshal(b []byte) []byte {
	b = appendString(b, 1, m.Message)
	b = appendBytes(b, 2, m.Payload)
	b = appendVarint(b, 3, uint64(m.Seq))
	b = appendString(b, 4, m.ServedBy)
	return b
}

// Unmarshal decodes the reply from protobuf wire format.
func (m *EchoReply) Unmarshal(in []byte) error {
	*m = EchoReply{}
	return decode(in, func(num protowire.Number, typ protowire.Type, in []byte) (int, error) {
		var v uint64
		switch num {
		case 1:
			return consumeString(typ, in, &m.Message)
		case 2:
			return consumeBytes(typ, in, &m.Payload)
		case 3:
			n, err := consumeVarint(typ, in, &v)
			m.Seq = int64(v)
			return n, err
		case 4:
			return consumeString(typ, in, &m.ServedBy)
		}
		return -1, nil
	})
}

// EchoHandler is the server-side interface of Echo (only the unary Say is bound here).
type EchoHandler interface {
	Say(ctx context.Context, req *EchoRequest) (*EchoReply, error)
}

// SayArgs is Kitex's argument wrapper for Say: on the wire it is just the request message.
// Raw, when set, is sent instead of the encoded request (to send a payload that does not parse).
type SayArgs struct {
	Req *EchoRequest
	Raw []byte
}

func (p *SayArgs) Marshal(out []byte) ([]byte, error) {
	if p.Raw != nil {
		return append(out, p.Raw...), nil
	}
	if p.Req == nil {
		return out, errors.New("SayArgs: no request")
	}
	return p.Req.Marshal(out), nil
}

func (p *SayArgs) Unmarshal(in []byte) error {
	req := new(EchoRequest)
	if err := req.Unmarshal(in); err != nil {
		return err
	}
	p.Req = req
	return nil
}

func (p *SayArgs) GetFirstArgument() interface{} { return p.Req }

// SayResult is Kitex's result wrapper for Say: on the wire it is just the reply message.
type SayResult struct {
	Success *EchoReply
}

// Marshal writes nothing when there is no reply (a handler that returned a business status error), as
// kitex-generated code does: the Reply then carries the error in TTHeader (biz-status) and an empty body.
func (p *SayResult) Marshal(out []byte) ([]byte, error) {
	if p.Success == nil {
		return out, nil
	}
	return p.Success.Marshal(out), nil
}

func (p *SayResult) Unmarshal(in []byte) error {
	res := new(EchoReply)
	if err := res.Unmarshal(in); err != nil {
		return err
	}
	p.Success = res
	return nil
}

func (p *SayResult) GetResult() interface{} { return p.Success }

func (p *SayResult) SetSuccess(x interface{}) { p.Success = x.(*EchoReply) }

func (p *SayResult) IsSetSuccess() bool { return p.Success != nil }

func sayHandler(ctx context.Context, handler, arg, result interface{}) error {
	args, ok := arg.(*SayArgs)
	if !ok {
		return fmt.Errorf("Say: unexpected argument type %T", arg)
	}
	reply, err := handler.(EchoHandler).Say(ctx, args.Req)
	if err != nil {
		return err
	}
	result.(*SayResult).Success = reply
	return nil
}

func sayMethod() serviceinfo.MethodInfo {
	return serviceinfo.NewMethodInfo(
		sayHandler,
		func() interface{} { return &SayArgs{} },
		func() interface{} { return &SayResult{} },
		false,
		serviceinfo.WithStreamingMode(serviceinfo.StreamingUnary),
	)
}

// echoServiceInfo is what kitex would generate for `service Echo` in package skein.examples.echo:
// the service name is the bare IDL name ("Echo", which a Kitex client sends as STRKV isn) and the
// proto package goes to Extra["PackageName"].
func echoServiceInfo() *serviceinfo.ServiceInfo {
	return &serviceinfo.ServiceInfo{
		ServiceName: "Echo",
		HandlerType: (*EchoHandler)(nil),
		Methods: map[string]serviceinfo.MethodInfo{
			"Say": sayMethod(),
			// Not in echo.proto: a Skein server does not know it (the client's unknown-method case).
			"Missing": sayMethod(),
		},
		PayloadCodec: serviceinfo.Protobuf,
		Extra:        map[string]interface{}{"PackageName": "skein.examples.echo"},
	}
}
