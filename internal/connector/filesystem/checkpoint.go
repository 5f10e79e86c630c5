package filesystem

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/sluicehq/sluice/internal/connector"
)

var (
	_ connector.CheckpointedReader = (*reader)(nil)
	_ connector.ResumableSource    = (*source)(nil)
)

// Position is where the rows returned so far end: a byte offset and line
// number into the file, and, for a changelog line whose rows were only
// partly returned, how many of them were.
func (r *reader) Position() ([]byte, error) {
	off, line, skip := r.offset, r.line, 0
	if len(r.pending) > 0 {
		off, line, skip = r.pendStart, r.pendLine, r.pendEmitted
	}
	b := binary.BigEndian.AppendUint64(nil, uint64(off))
	b = binary.BigEndian.AppendUint64(b, uint64(line))
	return binary.BigEndian.AppendUint64(b, uint64(skip)), nil
}

// OpenAt reopens a file at a position Position reported.
func (s *source) OpenAt(ctx context.Context, sp connector.Split, position []byte) (connector.Reader, error) {
	if len(position) != 24 {
		return nil, fmt.Errorf("filesystem table '%s': split %s: position of %d bytes is not one this connector wrote", s.ctx.Table, sp.ID(), len(position))
	}
	rd, err := s.Open(ctx, sp)
	if err != nil {
		return nil, err
	}
	r := rd.(*reader)
	off := int64(binary.BigEndian.Uint64(position))
	if _, err := r.file.Seek(off, io.SeekStart); err != nil {
		r.Close()
		return nil, fmt.Errorf("filesystem table '%s': resuming %s at byte %d: %w", s.ctx.Table, r.path, off, err)
	}
	r.in.Reset(r.file)
	r.offset = off
	r.line = int64(binary.BigEndian.Uint64(position[8:]))
	r.skip = int(binary.BigEndian.Uint64(position[16:]))
	return r, nil
}
