package kafka

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

var _ connector.TwoPhaseCommitWriter = (*txnWriter)(nil)

// poolSize is the number of transactional ids per writer: one transaction
// is open for the records being written while up to poolSize-1 wait for
// their checkpoint to complete.
const poolSize = 5

// defaultTxnTimeout is the transaction timeout unless
// 'properties.transaction.timeout.ms' says otherwise: the brokers' default
// maximum ('transaction.max.timeout.ms'). A transaction still open after it
// (a job down that long before its restore commits) is aborted by Kafka.
const defaultTxnTimeout = 15 * time.Minute

// committable is what PreCommit hands to the checkpoint and Commit or
// Recover get back: enough to end the transaction from any client.
type committable struct {
	TransactionalID string `json:"transactional_id"`
	ProducerID      int64  `json:"producer_id"`
	ProducerEpoch   int16  `json:"producer_epoch"`
	Checkpoint      int64  `json:"checkpoint"`
}

// txnWriter is 'exactly-once' (see doc.go): each checkpoint's records go
// into one Kafka transaction, committed when the checkpoint completes.
type txnWriter struct {
	*writer
	timeout  time.Duration
	clients  [poolSize]*kgo.Client
	ended    [poolSize]int16 // epoch of the last transaction committed on clients[k], -1 if none
	pending  [poolSize]*committable
	cur      int  // pool index of the open transaction
	open     bool // BeginTransaction was called on clients[cur]
	produced bool // records were written in it
}

func newTxnWriter(w *writer) (*txnWriter, error) {
	tw := &txnWriter{writer: w, timeout: defaultTxnTimeout}
	if v, ok := w.s.t.props["transaction.timeout.ms"]; ok {
		ms, err := strconv.Atoi(v)
		if err != nil || ms <= 0 {
			return nil, w.s.t.errorf("option 'properties.transaction.timeout.ms' is '%s', not a positive integer", v)
		}
		tw.timeout = time.Duration(ms) * time.Millisecond
	}
	for k := range tw.ended {
		tw.ended[k] = -1
	}
	return tw, nil
}

func (w *txnWriter) id(k int) string { return w.idOf(w.subtask, k) }

// idOf is the transactional id k of writer subtask's pool.
func (w *txnWriter) idOf(subtask, k int) string {
	return fmt.Sprintf("%s-%d-%d", w.s.t.txnPrefix, subtask, k)
}

func (w *txnWriter) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 2*time.Minute)
}

// begin opens a transaction on the current pool id. A client whose last
// transaction was committed at its current epoch (brokers without KIP-890
// keep the epoch across transactions) is replaced, so that a new
// InitProducerID bumps the epoch: producer id and epoch then name one
// transaction, and a late EndTxn for an old one can never commit a newer.
func (w *txnWriter) begin() error {
	if w.pending[w.cur] != nil {
		return w.s.t.errorf("exactly-once: all %d transactional ids of writer %d hold transactions waiting for their checkpoints to complete", poolSize, w.subtask)
	}
	ctx, cancel := w.ctx()
	defer cancel()
	cl := w.clients[w.cur]
	if cl != nil && w.ended[w.cur] >= 0 {
		if _, epoch, err := cl.ProducerID(ctx); err != nil || epoch == w.ended[w.cur] {
			cl.Close()
			cl = nil
		}
	}
	if cl == nil {
		var err error
		cl, err = kgo.NewClient(w.clientOpts(kgo.TransactionalID(w.id(w.cur)), kgo.TransactionTimeout(w.timeout))...)
		if err != nil {
			return w.s.t.errorf("%v", err)
		}
		w.clients[w.cur] = cl
	}
	if err := cl.BeginTransaction(); err != nil {
		return w.s.t.errorf("beginning a transaction as '%s': %v", w.id(w.cur), err)
	}
	w.open, w.produced = true, false
	return nil
}

func (w *txnWriter) Write(b *types.Batch) error {
	if b.Len() == 0 {
		return nil
	}
	if !w.open {
		if err := w.begin(); err != nil {
			return err
		}
	}
	w.produced = true
	return w.produce(w.clients[w.cur], b)
}

// PreCommit flushes the open transaction and returns it as a committable;
// the next records go to the next id of the pool. A checkpoint with no
// records returns nil (nothing to commit) and keeps the transaction open.
func (w *txnWriter) PreCommit(checkpoint int64) ([]byte, error) {
	if !w.open || !w.produced {
		return nil, nil
	}
	cl := w.clients[w.cur]
	if err := w.flush(cl); err != nil {
		return nil, err
	}
	ctx, cancel := w.ctx()
	defer cancel()
	pid, epoch, err := cl.ProducerID(ctx)
	if err != nil {
		return nil, w.s.t.errorf("exactly-once: producer id of '%s': %v", w.id(w.cur), err)
	}
	c := &committable{TransactionalID: w.id(w.cur), ProducerID: pid, ProducerEpoch: epoch, Checkpoint: checkpoint}
	w.pending[w.cur] = c
	w.open = false
	w.cur = (w.cur + 1) % poolSize
	return json.Marshal(c)
}

// Commit commits the transactions of checkpoint (and any of this writer's
// from earlier checkpoints, whose notification may have been missed).
// Committing again what is committed succeeds (see endTxn).
func (w *txnWriter) Commit(checkpoint int64, committables [][]byte) error {
	ctx, cancel := w.ctx()
	defer cancel()
	for _, raw := range committables {
		c, err := parseCommittable(raw)
		if err != nil || c == nil {
			if err != nil {
				return w.s.t.errorf("%v", err)
			}
			continue
		}
		if k := w.pendingIndex(c); k >= 0 {
			if err := w.commitPending(ctx, k); err != nil {
				return err
			}
			continue
		}
		if err := endTxn(ctx, w.clients[w.cur], w.rawClient, *c); err != nil {
			return w.s.t.errorf("%v", err)
		}
	}
	for k, c := range w.pending {
		if c != nil && c.Checkpoint <= checkpoint {
			if err := w.commitPending(ctx, k); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *txnWriter) pendingIndex(c *committable) int {
	for k, p := range w.pending {
		if p != nil && *p == *c {
			return k
		}
	}
	return -1
}

func (w *txnWriter) commitPending(ctx context.Context, k int) error {
	c := w.pending[k]
	if err := w.clients[k].EndTransaction(ctx, kgo.TryCommit); err != nil {
		return w.s.t.errorf("exactly-once: committing transaction '%s' of checkpoint %d: %v", c.TransactionalID, c.Checkpoint, err)
	}
	w.ended[k] = c.ProducerEpoch
	w.pending[k] = nil
	return nil
}

// rawClient returns a plain client for EndTxn and InitProducerID requests.
func (w *txnWriter) rawClient() (*kgo.Client, error) {
	return kgo.NewClient(w.s.t.client...)
}

// Recover commits the restored checkpoint's transactions with EndTxn
// requests carrying their recorded producer id and epoch, then fences every
// id of this writer's pool (InitProducerID), which aborts a transaction a
// crash left open after the checkpoint.
func (w *txnWriter) Recover(committables [][]byte) error {
	return w.RecoverRescaled(committables, []int{w.subtask})
}

// RecoverRescaled is Recover after a restore at another parallelism
// (connector.RescaledRecoverer): it fences the pools of the old writers
// oldSubtasks this writer takes over, so that a smaller job aborts the
// transactions its removed writers left open. The writer's own pool is
// fenced in any case.
func (w *txnWriter) RecoverRescaled(committables [][]byte, oldSubtasks []int) error {
	if !slices.Contains(oldSubtasks, w.subtask) {
		oldSubtasks = append(slices.Clone(oldSubtasks), w.subtask)
	}
	ctx, cancel := w.ctx()
	defer cancel()
	cl, err := w.rawClient()
	if err != nil {
		return w.s.t.errorf("%v", err)
	}
	defer cl.Close()
	for _, raw := range committables {
		c, err := parseCommittable(raw)
		if err != nil {
			return w.s.t.errorf("%v", err)
		}
		if c == nil {
			continue
		}
		if err := endTxn(ctx, cl, nil, *c); err != nil {
			return w.s.t.errorf("%v", err)
		}
	}
	for _, s := range oldSubtasks {
		for k := 0; k < poolSize; k++ {
			if err := fence(ctx, cl, w.idOf(s, k), w.timeout); err != nil {
				return w.s.t.errorf("%v", err)
			}
		}
	}
	return nil
}

var _ connector.RescaledRecoverer = (*txnWriter)(nil)

func parseCommittable(raw []byte) (*committable, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var c committable
	if err := json.Unmarshal(raw, &c); err != nil || c.TransactionalID == "" {
		return nil, fmt.Errorf("exactly-once: '%s' is not a Kafka committable", raw)
	}
	return &c, nil
}

// retriable coordinator answers to EndTxn and InitProducerID.
func retriable(err error) bool {
	return errors.Is(err, kerr.ConcurrentTransactions) || errors.Is(err, kerr.CoordinatorLoadInProgress) ||
		errors.Is(err, kerr.NotCoordinator) || errors.Is(err, kerr.CoordinatorNotAvailable)
}

// endTxn commits a recorded transaction with a raw EndTxn request, as
// Flink resumes transactions. cl sends it; when cl is nil, mk makes one.
//
// Committing a transaction that is already committed is success. What
// brokers answer then: for an EndTxn at the same epoch after a commit
// (brokers without KIP-890, and kfake at EndTxn v4), NONE; with KIP-890
// (EndTxn v5, Kafka 4 and kfake), the commit bumped the epoch and a retry
// one epoch behind is answered NONE; once the id has begun another
// transaction (its epoch moved further), PRODUCER_FENCED (older brokers:
// INVALID_PRODUCER_EPOCH). Sluice reuses an id only after committing its
// transaction, so those mean "committed", as Flink's committer takes them;
// so does INVALID_TXN_STATE (no transaction in progress). A producer id the
// coordinator no longer knows (INVALID_PRODUCER_ID_MAPPING: expired after
// 'transactional.id.expiration.ms') is also taken as ended, as Flink does:
// the transaction was committed or long since aborted by its timeout.
func endTxn(ctx context.Context, cl *kgo.Client, mk func() (*kgo.Client, error), c committable) error {
	if cl == nil {
		var err error
		if cl, err = mk(); err != nil {
			return err
		}
		defer cl.Close()
	}
	req := kmsg.NewPtrEndTxnRequest()
	req.TransactionalID, req.ProducerID, req.ProducerEpoch, req.Commit = c.TransactionalID, c.ProducerID, c.ProducerEpoch, true
	for {
		resp, err := req.RequestWith(ctx, cl)
		if err == nil {
			err = kerr.ErrorForCode(resp.ErrorCode)
		}
		switch {
		case err == nil, errors.Is(err, kerr.ProducerFenced), errors.Is(err, kerr.InvalidProducerEpoch),
			errors.Is(err, kerr.InvalidTxnState), errors.Is(err, kerr.InvalidProducerIDMapping):
			return nil
		case retriable(err):
			if err := sleep(ctx); err != nil {
				return fmt.Errorf("exactly-once: committing transaction '%s' of checkpoint %d: %w", c.TransactionalID, c.Checkpoint, err)
			}
		default:
			return fmt.Errorf("exactly-once: committing transaction '%s' of checkpoint %d: %w", c.TransactionalID, c.Checkpoint, err)
		}
	}
}

// fence initialises a producer for id, which aborts its open transaction
// and bumps its epoch, fencing any zombie writer using it.
func fence(ctx context.Context, cl *kgo.Client, id string, timeout time.Duration) error {
	req := kmsg.NewPtrInitProducerIDRequest()
	req.TransactionalID = &id
	req.TransactionTimeoutMillis = int32(timeout / time.Millisecond)
	req.ProducerID, req.ProducerEpoch = -1, -1
	for {
		resp, err := req.RequestWith(ctx, cl)
		if err == nil {
			err = kerr.ErrorForCode(resp.ErrorCode)
		}
		switch {
		case err == nil:
			return nil
		case retriable(err):
			if err := sleep(ctx); err != nil {
				return fmt.Errorf("exactly-once: fencing transactional id '%s': %w", id, err)
			}
		default:
			return fmt.Errorf("exactly-once: fencing transactional id '%s': %w", id, err)
		}
	}
}

func sleep(ctx context.Context) error {
	select {
	case <-time.After(50 * time.Millisecond):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close flushes, and aborts the open transaction: records not covered by a
// completed checkpoint are not made visible. Transactions waiting for
// Commit stay prepared for the restored job's Recover.
func (w *txnWriter) Close() error {
	ctx, cancel := w.ctx()
	defer cancel()
	var err error
	if w.open {
		if e := w.clients[w.cur].AbortBufferedRecords(ctx); e != nil {
			err = e
		}
		if e := w.clients[w.cur].EndTransaction(ctx, kgo.TryAbort); e != nil && err == nil {
			err = e
		}
		w.open = false
	}
	for _, cl := range w.clients {
		if cl != nil {
			cl.Close()
		}
	}
	if err != nil {
		return w.s.t.errorf("exactly-once: closing: %v", err)
	}
	return nil
}
