package filesystem

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
)

var (
	_ connector.Sink   = (*sink)(nil)
	_ connector.Writer = (*writer)(nil)
)

type sink struct {
	ctx      connector.CreateContext
	dir      string
	uuid     string
	fileSize int64
	rollover time.Duration
}

func newSink(ctx connector.CreateContext) (connector.Sink, error) {
	if ctx.Format == nil {
		return nil, fmt.Errorf("filesystem table '%s' needs a 'format'", ctx.Table)
	}
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return &sink{
		ctx:      ctx,
		dir:      localPath(ctx.Options.String("path")),
		uuid:     fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:]),
		fileSize: ctx.Options.Memory("sink.rolling-policy.file-size"),
		rollover: ctx.Options.Duration("sink.rolling-policy.rollover-interval"),
	}, nil
}

// Accepts: inserts, or every kind for a changelog format (debezium-json,
// canal-json), which encodes the kind in the record.
func (s *sink) Accepts() connector.ChangelogMode {
	if s.ctx.Format.Format.Changelog {
		return connector.All
	}
	return connector.AppendOnly
}

func (s *sink) Open(_ context.Context, subtask, _ int) (connector.Writer, error) {
	enc, err := s.ctx.Format.NewEncoder(s.ctx.Schema)
	if err != nil {
		return nil, fmt.Errorf("filesystem table '%s': %w", s.ctx.Table, err)
	}
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return nil, fmt.Errorf("filesystem table '%s': %w", s.ctx.Table, err)
	}
	return &writer{sink: s, enc: enc, subtask: subtask}, nil
}

// writer writes one subtask's part files.
type writer struct {
	sink    *sink
	enc     connector.Encoder
	subtask int
	part    int
	file    *os.File
	out     *bufio.Writer
	size    int64
	opened  time.Time
	buf     []byte
}

func (w *writer) name(inProgress bool) string {
	n := fmt.Sprintf("part-%s-%d-%d", w.sink.uuid, w.subtask, w.part)
	if inProgress {
		n = "." + n + ".inprogress"
	}
	return filepath.Join(w.sink.dir, n)
}

func (w *writer) Write(b *types.Batch) error {
	for i, row := range b.Rows {
		k := b.Kinds[i]
		if k != types.Insert && !w.sink.ctx.Format.Format.Changelog {
			return fmt.Errorf("filesystem table '%s' is append-only and cannot take a %s row", w.sink.ctx.Table, k)
		}
		if w.file == nil {
			if err := w.openPart(); err != nil {
				return err
			}
		}
		var err error
		w.buf, err = w.enc.Encode(w.buf[:0], k, row)
		if err != nil {
			return fmt.Errorf("filesystem table '%s': %w", w.sink.ctx.Table, err)
		}
		w.buf = append(w.buf, '\n')
		if _, err := w.out.Write(w.buf); err != nil {
			return fmt.Errorf("filesystem table '%s': %w", w.sink.ctx.Table, err)
		}
		w.size += int64(len(w.buf))
		if w.size >= w.sink.fileSize || (w.sink.rollover > 0 && time.Since(w.opened) >= w.sink.rollover) {
			if err := w.closePart(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *writer) openPart() error {
	f, err := os.Create(w.name(true))
	if err != nil {
		return fmt.Errorf("filesystem table '%s': %w", w.sink.ctx.Table, err)
	}
	w.file, w.size, w.opened = f, 0, time.Now()
	if w.out == nil {
		w.out = bufio.NewWriterSize(f, 256<<10)
	} else {
		w.out.Reset(f)
	}
	return nil
}

// closePart flushes the current part and gives it its final name.
func (w *writer) closePart() error {
	if w.file == nil {
		return nil
	}
	err := w.out.Flush()
	if cerr := w.file.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(w.name(true), w.name(false))
	}
	w.file = nil
	w.part++
	if err != nil {
		return fmt.Errorf("filesystem table '%s': %w", w.sink.ctx.Table, err)
	}
	return nil
}

func (w *writer) Close() error { return w.closePart() }
