package print

import (
	"context"
	"io"
	"os"
	"strconv"
	"sync"

	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
)

// Options is the print connector's option spec (Flink's keys).
var Options = []config.Spec{
	{Key: "print-identifier", Type: config.String,
		Description: "Message that identifies the print sink; prefixes every line."},
	{Key: "standard-error", Type: config.Bool, Default: "false",
		Description: "Print to standard error instead of standard output."},
	{Key: "sink.parallelism", Type: config.Int,
		Description: "Parallelism of the print sink; by default the upstream parallelism."},
}

// New returns the 'print' connector writing to stdout or stderr ('standard-
// error'); nil means os.Stdout / os.Stderr.
func New(stdout, stderr io.Writer) *connector.Factory {
	if stdout == nil {
		stdout = os.Stdout
	}
	if stderr == nil {
		stderr = os.Stderr
	}
	out, errOut := &lockedWriter{w: stdout}, &lockedWriter{w: stderr}
	return &connector.Factory{
		Name:        "print",
		Description: "Prints every change to standard output or standard error, as Flink's print connector does.",
		Options:     Options,
		NewSink: func(ctx connector.CreateContext) (connector.Sink, error) {
			s := &sink{schema: ctx.Schema, out: out}
			if ctx.Options != nil {
				s.identifier = ctx.Options.String("print-identifier")
				if ctx.Options.Bool("standard-error") {
					s.out = errOut
				}
			}
			return s, nil
		},
	}
}

// lockedWriter serializes whole-batch writes of parallel writers.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) write(p []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, err := l.w.Write(p)
	return err
}

var (
	_ connector.Sink   = (*sink)(nil)
	_ connector.Writer = (*writer)(nil)
)

type sink struct {
	schema     types.Schema
	identifier string
	out        *lockedWriter
}

func (s *sink) Accepts() connector.ChangelogMode { return connector.All }

func (s *sink) Open(_ context.Context, subtask, parallelism int) (connector.Writer, error) {
	return &writer{sink: s, prefix: Prefix(s.identifier, subtask, parallelism)}, nil
}

// Prefix is Flink's PrintSinkOutputWriter prefix for a subtask.
func Prefix(identifier string, subtask, parallelism int) string {
	p := identifier
	if parallelism > 1 {
		if p != "" {
			p += ":"
		}
		p += strconv.Itoa(subtask + 1)
	}
	if p != "" {
		p += "> "
	}
	return p
}

type writer struct {
	sink   *sink
	prefix string
	buf    []byte
}

// Write renders the batch and writes it in one call.
func (w *writer) Write(b *types.Batch) error {
	if b.Len() == 0 {
		return nil
	}
	buf := w.buf[:0]
	fields := w.sink.schema.Fields
	for i, row := range b.Rows {
		buf = append(buf, w.prefix...)
		buf = append(buf, b.Kinds[i].String()...)
		buf = append(buf, '[')
		for j, v := range row {
			if j > 0 {
				buf = append(buf, ", "...)
			}
			var t types.Type
			if j < len(fields) {
				t = fields[j].Type
			}
			buf = types.AppendPrint(buf, v, t)
		}
		buf = append(buf, "]\n"...)
	}
	w.buf = buf
	return w.sink.out.write(buf)
}

func (w *writer) Close() error { return nil }
