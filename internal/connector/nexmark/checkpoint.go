package nexmark

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/sluicehq/sluice/internal/connector"
)

var (
	_ connector.CheckpointedReader = (*reader)(nil)
	_ connector.ResumableSource    = (*source)(nil)
)

// Position is the next event number of the split and the stream's base
// time: events are a pure function of their number and the base time, so
// this is all a restored job needs to go on with the same events.
func (r *reader) Position() ([]byte, error) {
	b := binary.BigEndian.AppendUint64(nil, uint64(r.next))
	return binary.BigEndian.AppendUint64(b, uint64(r.gen.cfg.baseTime)), nil
}

// OpenAt resumes a split at a position Position reported. The base time of
// the restored stream wins over this run's (which defaults to the start
// time), so event times continue where they were.
func (s *source) OpenAt(ctx context.Context, sp connector.Split, position []byte) (connector.Reader, error) {
	if len(position) != 16 {
		return nil, fmt.Errorf("nexmark table '%s': split %s: position of %d bytes is not one this connector wrote", s.table, sp.ID(), len(position))
	}
	s.set.gen.baseTime = int64(binary.BigEndian.Uint64(position[8:]))
	rd, err := s.Open(ctx, sp)
	if err != nil {
		return nil, err
	}
	r := rd.(*reader)
	r.next = int64(binary.BigEndian.Uint64(position[:8]))
	return r, nil
}
