package lookupit

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// RedisServer is a private redis-server process on a port of its own,
// without automatic persistence (--save "" --appendonly no). Save writes
// its data to its directory, where a restart loads it from.
type RedisServer struct {
	Port int
	bin  string
	dir  string
	cmd  *exec.Cmd
	done chan struct{}
}

// StartRedis starts redis-server (bin, "" for the one on $PATH) on a free
// port with dir as its working directory, and waits until it answers.
func StartRedis(bin, dir string) (*RedisServer, error) {
	if bin == "" {
		bin = "redis-server"
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &RedisServer{Port: port, bin: bin, dir: dir}
	return s, s.start()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port for redis-server: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *RedisServer) start() error {
	s.cmd = exec.Command(s.bin, "--port", strconv.Itoa(s.Port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir, "--dbfilename", "dump.rdb", "--loglevel", "warning")
	log, err := os.OpenFile(filepath.Join(s.dir, "redis.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("starting %s (install redis-server or pass its path): %w", s.bin, err)
	}
	s.done = make(chan struct{})
	go func() { s.cmd.Wait(); log.Close(); close(s.done) }()
	c := s.Client()
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := c.Ping(context.Background()).Err()
		if err == nil {
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("redis-server on port %d exited at start (see %s)", s.Port, filepath.Join(s.dir, "redis.log"))
		default:
		}
		if time.Now().After(deadline) {
			s.Close()
			return fmt.Errorf("redis-server on port %d does not answer after 10 s: %w", s.Port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Client returns a client of the server.
func (s *RedisServer) Client() *goredis.Client {
	return goredis.NewClient(&goredis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", s.Port)})
}

// Save writes the data to the server's directory (SAVE), for Restart.
func (s *RedisServer) Save(ctx context.Context) error {
	c := s.Client()
	defer c.Close()
	return c.Save(ctx).Err()
}

// Kill ends the process with SIGKILL and waits for it.
func (s *RedisServer) Kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Kill()
	<-s.done
}

// Restart starts the server again on the same port; it loads what Save
// wrote.
func (s *RedisServer) Restart() error {
	s.Kill()
	return s.start()
}

// Stall stops the process (SIGSTOP): connections stay open, nothing is
// answered. Resume continues it.
func (s *RedisServer) Stall() error  { return s.signal(syscall.SIGSTOP) }
func (s *RedisServer) Resume() error { return s.signal(syscall.SIGCONT) }

func (s *RedisServer) signal(sig syscall.Signal) error {
	if s.cmd == nil || s.cmd.Process == nil {
		return errors.New("redis-server is not running")
	}
	return s.cmd.Process.Signal(sig)
}

// Close kills the server (resuming it first if stalled).
func (s *RedisServer) Close() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Signal(syscall.SIGCONT)
	}
	s.Kill()
}
