package connector

import (
	"context"
	"errors"
	"time"

	"github.com/sluicehq/sluice/internal/types"
)

// Optional capabilities for checkpointing (docs/design/state-and-checkpoints.md).
// The runtime finds them by type assertion.

// CheckpointedReader is a reader that can report where it is, so a restored
// job resumes there. Position is called between Reads, on the task's
// goroutine, and describes the position after every row returned so far.
type CheckpointedReader interface {
	Reader
	Position() ([]byte, error)
}

// ResumableSource reopens a split at a position a CheckpointedReader
// reported. Split IDs must be stable across runs: on restore the runtime
// lists the splits again and matches positions by Split.ID; a split without
// a position starts as configured ('scan.startup.mode').
type ResumableSource interface {
	Source
	OpenAt(ctx context.Context, s Split, position []byte) (Reader, error)
}

// DynamicSource discovers splits while running (Kafka partitions added to
// a topic). NewSplits returns splits not returned before; the runtime calls
// it every DiscoveryInterval (0 disables discovery) from one goroutine and
// hands each new split to one source task.
//
// A NewSplits error is reported (logged with the source and counted) and
// discovery tries again at the next interval, unless the error wraps
// ErrDiscoveryFailed: then the runtime fails the job with it. The source
// decides when retrying is pointless (the topic is gone, access is denied)
// and says why and what to do in the error.
type DynamicSource interface {
	Source
	NewSplits(ctx context.Context) ([]Split, error)
	DiscoveryInterval() time.Duration
}

// ErrDiscoveryFailed is wrapped by a DynamicSource.NewSplits error that
// should fail the job rather than be retried.
var ErrDiscoveryFailed = errors.New("split discovery failed")

// LagReporter is implemented by readers that know how far behind the end
// of their split they are (Kafka: the partition's high watermark minus the
// next offset). Lag is called on the task's goroutine between Reads; a
// negative value means unknown.
type LagReporter interface {
	Lag() int64
}

// TwoPhaseCommitWriter is a sink writer whose output becomes visible only
// when the checkpoint covering it completes.
type TwoPhaseCommitWriter interface {
	Writer
	// PreCommit flushes everything written since the last checkpoint and
	// prepares it, returning what must be committed later. It is called
	// when barrier checkpoint has reached the writer.
	PreCommit(checkpoint int64) ([]byte, error)
	// Commit makes a completed checkpoint's committables visible. It must
	// be idempotent: after a crash it may run again for the same data.
	Commit(checkpoint int64, committables [][]byte) error
	// Recover runs once on restore, before any Write, with the committables
	// of the restored checkpoint: it commits them and aborts anything a
	// crash left prepared after that checkpoint.
	Recover(committables [][]byte) error
}

// RescaledRecoverer is implemented by two-phase-commit writers that must
// also clean up after the old writers they take over when a job is
// restored at another parallelism (docs/design/state-and-checkpoints.md,
// "Rescaling"): writer subtask of the new run takes over the old writers
// j with j % parallelism == subtask. A writer whose own leftovers are
// found by its subtask alone (Kafka transactional ids name the subtask)
// would otherwise leave the old writers' open transactions to time out.
type RescaledRecoverer interface {
	// RecoverRescaled is Recover for a restore at another parallelism:
	// it also aborts what the old writers oldSubtasks left prepared.
	RecoverRescaled(committables [][]byte, oldSubtasks []int) error
}

// Metadata declares what metadata columns a connector can read
// (METADATA FROM 'key'), by key, with the type each must be declared with.
// A source asked for metadata keys (CreateContext.Metadata) appends their
// values, in that order, after the projected physical columns.
type Metadata map[string]types.Type
