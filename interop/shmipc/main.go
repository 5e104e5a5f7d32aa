// Command shmipc-peer is the Go side of Skein's Shmipc interop tests and benchmarks: a shmipc-go
// v0.2.0 echo server and client, and shmipc-go's own Go-to-Go ping-pong.
//
// Messages on a stream are framed as a 4-byte big-endian length followed by that many bytes; the
// server echoes each message back on the stream it came from.
//
//	shmipc-peer server --uds PATH                     echo server; prints "listening on PATH"
//	shmipc-peer client --uds PATH --prefix P --sizes 64,1024 [--rounds N] [--buffer BYTES] [--memfd] [--hold]
//	shmipc-peer bench --size N --concurrency C --duration S [--uds PATH]   Go-to-Go ping-pong, one JSON line
package main

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cloudwego/shmipc-go"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: shmipc-peer server|client|bench [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "server":
		err = runServer(os.Args[2:])
	case "client":
		err = runClient(os.Args[2:])
	case "bench":
		err = runBench(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL", err)
		os.Exit(1)
	}
}

type echoCallback struct{}

func (echoCallback) OnNewStream(s *shmipc.Stream) { go serveStream(s) }
func (echoCallback) OnShutdown(reason string)     {}

// serveStream echoes every length-prefixed message until the peer closes the stream.
func serveStream(s *shmipc.Stream) {
	defer s.Close()
	r, w := s.BufferReader(), s.BufferWriter()
	for {
		hdr, err := r.ReadBytes(4)
		if err != nil {
			return
		}
		var lenBuf [4]byte
		copy(lenBuf[:], hdr)
		n := int(binary.BigEndian.Uint32(lenBuf[:]))
		body, err := r.ReadBytes(n)
		if err != nil {
			return
		}
		if _, err := w.WriteBytes(lenBuf[:]); err != nil {
			return
		}
		if _, err := w.WriteBytes(body); err != nil {
			return
		}
		r.ReleasePreviousRead()
		if err := s.Flush(false); err != nil {
			return
		}
	}
}

func listen(path string) (*shmipc.Listener, error) {
	conf := shmipc.NewDefaultListenerConfig(path, "unix")
	conf.LogOutput = io.Discard
	return shmipc.NewListener(echoCallback{}, conf)
}

func runServer(args []string) error {
	fs := flag.NewFlagSet("server", flag.ExitOnError)
	uds := fs.String("uds", "", "Unix domain socket path to listen on")
	_ = fs.Parse(args)
	if *uds == "" {
		return errors.New("--uds is required")
	}
	ln, err := listen(*uds)
	if err != nil {
		return err
	}
	fmt.Println("listening on " + *uds)
	return ln.Run()
}

func clientConfig(uds, prefix string, buffer uint, memfd bool) *shmipc.SessionManagerConfig {
	conf := shmipc.DefaultSessionManagerConfig()
	conf.Network = "unix"
	conf.Address = uds
	conf.ShareMemoryPathPrefix = prefix
	conf.QueuePath = prefix + "_queue"
	conf.LogOutput = io.Discard
	if buffer > 0 {
		conf.ShareMemoryBufferCap = uint32(buffer)
	}
	if memfd {
		conf.MemMapType = shmipc.MemMapTypeMemFd
	}
	return conf
}

func pattern(size, seed int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(i*31 + seed)
	}
	return b
}

// roundTrip writes one length-prefixed message on s and reads its echo.
func roundTrip(s *shmipc.Stream, msg []byte) ([]byte, error) {
	w := s.BufferWriter()
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(msg)))
	if _, err := w.WriteBytes(hdr[:]); err != nil {
		return nil, err
	}
	if _, err := w.WriteBytes(msg); err != nil {
		return nil, err
	}
	if err := s.Flush(false); err != nil {
		return nil, err
	}
	r := s.BufferReader()
	got, err := r.ReadBytes(4)
	if err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint32(got))
	body, err := r.ReadBytes(n)
	if err != nil {
		return nil, err
	}
	out := append([]byte(nil), body...)
	r.ReleasePreviousRead()
	return out, nil
}

func runClient(args []string) error {
	fs := flag.NewFlagSet("client", flag.ExitOnError)
	uds := fs.String("uds", "", "Unix domain socket path of the server")
	prefix := fs.String("prefix", "/dev/shm/skein-interop", "shared memory path prefix")
	sizes := fs.String("sizes", "64,1024", "comma-separated message sizes")
	rounds := fs.Int("rounds", 3, "round trips per size")
	buffer := fs.Uint("buffer", 0, "shared memory buffer capacity in bytes (0: shmipc-go's default)")
	memfd := fs.Bool("memfd", false, "map memory with memfd (protocol version 3) instead of a /dev/shm file")
	timeout := fs.Duration("timeout", 10*time.Second, "read timeout per round trip")
	hold := fs.Bool("hold", false, "after the round trips print \"holding\" and keep the session open until killed")
	_ = fs.Parse(args)
	sm, err := shmipc.NewSessionManager(clientConfig(*uds, *prefix, *buffer, *memfd))
	if err != nil {
		return fmt.Errorf("session: %w", err)
	}
	defer sm.Close()
	for _, field := range strings.Split(*sizes, ",") {
		size, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil {
			return err
		}
		for i := 0; i < *rounds; i++ {
			s, err := sm.GetStream()
			if err != nil {
				return fmt.Errorf("stream: %w", err)
			}
			_ = s.SetReadDeadline(time.Now().Add(*timeout))
			msg := pattern(size, i)
			got, err := roundTrip(s, msg)
			if err != nil {
				s.Close()
				return fmt.Errorf("size %d round %d: %w", size, i, err)
			}
			if string(got) != string(msg) {
				s.Close()
				return fmt.Errorf("size %d round %d: echo differs (%d bytes back)", size, i, len(got))
			}
			_ = s.SetReadDeadline(time.Time{})
			sm.PutBack(s)
		}
		fmt.Printf("ok size=%d\n", size)
	}
	if *hold {
		fmt.Println("holding")
		select {}
	}
	fmt.Println("done")
	return nil
}

// runBench measures shmipc-go's own Go-to-Go ping-pong: an in-process echo server on a Unix socket
// (unless --uds names one already serving) and C streams each keeping one message in flight.
func runBench(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	uds := fs.String("uds", "", "server socket (default: start one in this process)")
	size := fs.Int("size", 1024, "message size in bytes")
	concurrency := fs.Int("concurrency", 1, "streams with one message in flight each")
	duration := fs.Duration("duration", 5*time.Second, "measured time")
	warmup := fs.Duration("warmup", 2*time.Second, "warm-up time")
	_ = fs.Parse(args)
	path := *uds
	if path == "" {
		dir, err := os.MkdirTemp("", "shmipc-bench")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "bench.sock")
		ln, err := listen(path)
		if err != nil {
			return err
		}
		go ln.Run()
		defer ln.Close()
	}
	prefix := fmt.Sprintf("/dev/shm/shmipc-bench-%d", os.Getpid())
	// shmipc-go leaves its files in /dev/shm when client and server share a process: remove them last.
	defer removeFiles(prefix)
	conf := clientConfig(path, prefix, 0, false)
	conf.SessionNum = 1
	sm, err := shmipc.NewSessionManager(conf)
	if err != nil {
		return err
	}
	defer sm.Close()
	var measuring, stop atomic.Bool
	var mu sync.Mutex
	var latencies []time.Duration
	var errs atomic.Int64
	var wg sync.WaitGroup
	for c := 0; c < *concurrency; c++ {
		wg.Add(1)
		go func(seed int) {
			defer wg.Done()
			s, err := sm.GetStream()
			if err != nil {
				errs.Add(1)
				return
			}
			defer sm.PutBack(s)
			msg := pattern(*size, seed)
			local := make([]time.Duration, 0, 1<<16)
			for !stop.Load() {
				t0 := time.Now()
				if _, err := roundTrip(s, msg); err != nil {
					errs.Add(1)
					return
				}
				if measuring.Load() {
					local = append(local, time.Since(t0))
				}
			}
			mu.Lock()
			latencies = append(latencies, local...)
			mu.Unlock()
		}(c)
	}
	time.Sleep(*warmup)
	measuring.Store(true)
	started := time.Now()
	time.Sleep(*duration)
	measuring.Store(false)
	elapsed := time.Since(started)
	stop.Store(true)
	wg.Wait()
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	pct := func(p float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		i := int(p * float64(len(latencies)-1))
		return float64(latencies[i].Nanoseconds()) / 1e6
	}
	out := map[string]any{
		"target": "shmipc-go", "payloadBytes": *size, "concurrency": *concurrency,
		"durationSeconds": elapsed.Seconds(), "calls": len(latencies), "errors": errs.Load(),
		"qps":       float64(len(latencies)) / elapsed.Seconds(),
		"latencyMs": map[string]float64{"p50": pct(0.50), "p90": pct(0.90), "p99": pct(0.99), "max": pct(1)},
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}

// removeFiles deletes every file whose path starts with prefix.
func removeFiles(prefix string) {
	matches, _ := filepath.Glob(prefix + "*")
	for _, m := range matches {
		_ = os.Remove(m)
	}
}
