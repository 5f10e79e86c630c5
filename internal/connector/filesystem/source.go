package filesystem

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
)

var (
	_ connector.Source      = (*source)(nil)
	_ connector.Split       = fileSplit("")
	_ connector.Reader      = (*reader)(nil)
	_ connector.SkipCounter = (*reader)(nil)

	_ connector.ChangelogSource = (*source)(nil)
)

type source struct {
	ctx  connector.CreateContext
	path string
}

func newSource(ctx connector.CreateContext) (connector.Source, error) {
	if ctx.Format == nil {
		return nil, fmt.Errorf("filesystem table '%s' needs a 'format'", ctx.Table)
	}
	if ctx.Options.Has("source.monitor-interval") {
		return nil, fmt.Errorf("filesystem table '%s': 'source.monitor-interval' (continuously reading new files) is not supported yet; remove it to read the files once", ctx.Table)
	}
	return &source{ctx: ctx, path: localPath(ctx.Options.String("path"))}, nil
}

func (s *source) Bounded() bool { return true }

// ProducesChangelog: files in a changelog format (debezium-json,
// canal-json) replay their changes.
func (s *source) ProducesChangelog() bool { return s.ctx.Format.Format.Changelog }

// SequentialSplits: a task reads its files one after another.
func (s *source) SequentialSplits() bool { return true }

var _ connector.SequentialSource = (*source)(nil)

type fileSplit string

func (f fileSplit) ID() string { return "file:" + string(f) }

func hidden(name string) bool { return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") }

// Splits lists the files: one split each.
func (s *source) Splits(int) ([]connector.Split, error) {
	info, err := os.Stat(s.path)
	if err != nil {
		return nil, fmt.Errorf("filesystem table '%s': %w", s.ctx.Table, err)
	}
	if !info.IsDir() {
		return []connector.Split{fileSplit(s.path)}, nil
	}
	var files []string
	err = filepath.WalkDir(s.path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != s.path && hidden(d.Name()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("filesystem table '%s': %w", s.ctx.Table, err)
	}
	sort.Strings(files)
	out := make([]connector.Split, len(files))
	for i, f := range files {
		out[i] = fileSplit(f)
	}
	return out, nil
}

func (s *source) Open(_ context.Context, sp connector.Split) (connector.Reader, error) {
	f, ok := sp.(fileSplit)
	if !ok {
		return nil, fmt.Errorf("filesystem table '%s': split %s is not a file", s.ctx.Table, sp.ID())
	}
	dec, err := s.ctx.Format.NewDecoder(s.ctx.Schema)
	if err != nil {
		return nil, fmt.Errorf("filesystem table '%s': %w", s.ctx.Table, err)
	}
	file, err := os.Open(string(f))
	if err != nil {
		return nil, fmt.Errorf("filesystem table '%s': %w", s.ctx.Table, err)
	}
	r := &reader{
		table: s.ctx.Table, format: s.ctx.Format.Format.Name, path: string(f), file: file, dec: dec,
		in:   bufio.NewReaderSize(file, 1<<20),
		proj: s.ctx.Projection, width: s.ctx.Schema.Len(),
	}
	if r.proj != nil {
		r.scratch = make(types.Row, r.width)
	}
	r.changes, _ = dec.(connector.ChangelogDecoder)
	return r, nil
}

// reader streams one file's lines through the decoder.
type reader struct {
	table, path string
	format      string
	file        *os.File
	in          *bufio.Reader
	dec         connector.Decoder
	proj        []int
	width       int
	scratch     types.Row // full-width row when projecting
	line        int64
	skipped     int64
	long        []byte // a line longer than the buffer
	done        bool

	changes connector.ChangelogDecoder // set for changelog formats
	pending []change                   // rows of a record beyond max, for the next Read

	// Position: offset is the bytes of the lines read so far; while rows of
	// a line are pending, pendStart/pendLine locate that line and
	// pendEmitted counts its rows already returned. skip drops that many
	// rows of the first line after OpenAt.
	offset      int64
	pendStart   int64
	pendLine    int64
	pendEmitted int
	skip        int
	lastStart   int64 // offset of the line last read
}

// change is a decoded changelog row waiting for the next Read.
type change struct {
	kind types.RowKind
	row  types.Row
}

func (r *reader) Skipped() int64 { return r.skipped }

// next returns the next line without its terminator, valid until the next
// call.
func (r *reader) next() ([]byte, error) {
	r.lastStart = r.offset
	b, err := r.in.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		r.long = append(r.long[:0], b...)
		for errors.Is(err, bufio.ErrBufferFull) {
			b, err = r.in.ReadSlice('\n')
			r.long = append(r.long, b...)
		}
		b = r.long
	}
	r.offset += int64(len(b))
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if len(b) == 0 && errors.Is(err, io.EOF) {
		return nil, io.EOF
	}
	b = trimEOL(b)
	return b, nil
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}

func (r *reader) Read(ctx context.Context, b *types.Batch, max int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	n := 0
	for len(r.pending) > 0 && n < max {
		b.Append(r.pending[0].kind, r.pending[0].row)
		r.pending = r.pending[1:]
		r.pendEmitted++
		n++
	}
	if r.done {
		if len(r.pending) > 0 {
			return nil
		}
		return io.EOF
	}
	for n < max {
		line, err := r.next()
		if errors.Is(err, io.EOF) {
			r.done = true
			return io.EOF
		}
		if err != nil {
			return fmt.Errorf("filesystem table '%s': reading %s: %w", r.table, r.path, err)
		}
		r.line++
		if len(line) == 0 {
			continue
		}
		if r.changes != nil {
			start := r.lastStart
			emitted, err := r.decodeChanges(line, b, max-n)
			if len(r.pending) > 0 {
				r.pendStart, r.pendLine, r.pendEmitted = start, r.line-1, emitted
			}
			if err != nil {
				return err
			}
			n += emitted
			continue
		}
		var row types.Row
		if r.proj == nil {
			row = b.Alloc(r.width)
		} else {
			clear(r.scratch)
			row = r.scratch
		}
		if err := r.dec.Decode(line, row); err != nil {
			if errors.Is(err, connector.ErrSkipRecord) {
				continue
			}
			if r.dec.IgnoreParseErrors() {
				r.skipped++
				continue
			}
			return &connector.BadRecordError{Source: r.table, Format: r.format, Location: r.path, Offset: fmt.Sprintf("line %d", r.line), Reason: err}
		}
		if r.proj != nil {
			out := b.Alloc(len(r.proj))
			for i, p := range r.proj {
				out[i] = r.scratch[p]
			}
			row = out
		}
		b.Append(types.Insert, row)
		n++
	}
	return nil
}

// decodeChanges decodes one record of a changelog format, appending up to
// room rows to b and keeping the rest for the next Read.
func (r *reader) decodeChanges(line []byte, b *types.Batch, room int) (int, error) {
	n := 0
	err := r.changes.DecodeChangelog(line, func(kind types.RowKind, row types.Row) {
		if r.skip > 0 { // returned before the checkpoint this run resumes
			r.skip--
			return
		}
		var out types.Row
		if n < room {
			out = b.Alloc(r.outWidth())
		} else {
			out = make(types.Row, r.outWidth())
		}
		if r.proj == nil {
			copy(out, row)
		} else {
			for i, p := range r.proj {
				out[i] = row[p]
			}
		}
		if n < room {
			b.Append(kind, out)
		} else {
			r.pending = append(r.pending, change{kind, out})
		}
		n++
	})
	if err != nil {
		if r.changes.IgnoreParseErrors() {
			r.skipped++
			return 0, nil
		}
		return 0, &connector.BadRecordError{Source: r.table, Format: r.format, Location: r.path, Offset: fmt.Sprintf("line %d", r.line), Reason: err}
	}
	return min(n, room), nil
}

func (r *reader) outWidth() int {
	if r.proj == nil {
		return r.width
	}
	return len(r.proj)
}

func (r *reader) Close() error { return r.file.Close() }
