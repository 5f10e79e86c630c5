package kafka

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Queue bounds: a partition whose reader lags holds at most about
// pauseAbove records here before its fetching pauses, and resumes once its
// reader has taken the queue below resumeBelow.
const (
	pauseAbove  = 8192
	resumeBelow = 1024
	pollMax     = 4096
)

type topicPartition struct {
	topic     string
	partition int32
}

// consumer is one kgo client shared by every reader of a source (all its
// tasks): one connection per broker whatever the number of partitions and
// tasks. A poller goroutine takes fetched records and hands them to the
// reader of their partition through its queue; a queue that fills up
// pauses its partition's fetching, so a slow task does not make the client
// buffer without bound nor starve the others. The client starts with the
// first reader and stops with the last.
type consumer struct {
	opts []kgo.Opt

	mu     sync.Mutex // guards cl, queues, stop
	cl     *kgo.Client
	queues map[topicPartition]*queue
	stop   context.CancelFunc
	polled chan struct{} // closed when the poller has returned
}

// queue holds one partition's fetched records for its reader.
type queue struct {
	c      *consumer
	tp     topicPartition
	mu     sync.Mutex // guards recs, err, paused; held across Pause/Resume calls
	recs   []*kgo.Record
	err    error
	paused bool
	wake   chan struct{} // signalled when records or an error arrive
	// hw is the partition's high watermark from the latest fetch (-1
	// before any), for the reader's lag.
	hw atomic.Int64
}

// add starts consuming a partition at offset and returns its queue.
func (c *consumer) add(tp topicPartition, offset int64) (*queue, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cl == nil {
		cl, err := kgo.NewClient(append(append([]kgo.Opt(nil), c.opts...), kgo.KeepControlRecords())...)
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithCancel(context.Background())
		c.cl, c.stop, c.polled = cl, cancel, make(chan struct{})
		c.queues = map[topicPartition]*queue{}
		go c.poll(ctx, cl, c.polled)
	}
	if _, dup := c.queues[tp]; dup {
		return nil, errors.New("partition is already being read")
	}
	q := &queue{c: c, tp: tp, wake: make(chan struct{}, 1)}
	q.hw.Store(-1)
	c.queues[tp] = q
	c.cl.AddConsumePartitions(map[string]map[int32]kgo.Offset{tp.topic: {tp.partition: kgo.NewOffset().At(offset)}})
	return q, nil
}

// remove stops consuming q's partition; the last one stops the client.
func (c *consumer) remove(q *queue) {
	c.mu.Lock()
	if c.queues[q.tp] != q {
		c.mu.Unlock()
		return
	}
	delete(c.queues, q.tp)
	cl := c.cl
	if len(c.queues) > 0 {
		cl.RemoveConsumePartitions(map[string][]int32{q.tp.topic: {q.tp.partition}})
		c.mu.Unlock()
		return
	}
	c.cl = nil
	stop, polled := c.stop, c.polled
	c.mu.Unlock()
	stop()
	cl.Close()
	<-polled
}

func (c *consumer) queue(tp topicPartition) *queue {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.queues[tp]
}

// poll runs until the client closes, dispatching fetches to the queues.
func (c *consumer) poll(ctx context.Context, cl *kgo.Client, done chan struct{}) {
	defer close(done)
	for {
		fs := cl.PollRecords(ctx, pollMax)
		if ctx.Err() != nil || fs.IsClientClosed() {
			return
		}
		fs.EachError(func(topic string, partition int32, err error) {
			if errors.Is(err, context.Canceled) {
				return
			}
			if q := c.queue(topicPartition{topic, partition}); q != nil {
				q.fail(err)
			}
		})
		fs.EachPartition(func(p kgo.FetchTopicPartition) {
			q := c.queue(topicPartition{p.Topic, p.Partition})
			if q == nil {
				return
			}
			if p.HighWatermark >= 0 {
				q.hw.Store(p.HighWatermark)
			}
			if len(p.Records) > 0 {
				q.push(cl, p.Records)
			}
		})
	}
}

func (q *queue) push(cl *kgo.Client, recs []*kgo.Record) {
	q.mu.Lock()
	q.recs = append(q.recs, recs...)
	if len(q.recs) > pauseAbove && !q.paused {
		q.paused = true
		cl.PauseFetchPartitions(map[string][]int32{q.tp.topic: {q.tp.partition}})
	}
	q.mu.Unlock()
	q.signal()
}

func (q *queue) fail(err error) {
	q.mu.Lock()
	if q.err == nil {
		q.err = err
	}
	q.mu.Unlock()
	q.signal()
}

func (q *queue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// take swaps the queued records with spare (emptied) and returns them,
// resuming the partition's fetching if it was paused.
func (q *queue) take(spare []*kgo.Record) ([]*kgo.Record, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	recs := q.recs
	q.recs = spare[:0]
	if q.paused && len(recs) > 0 {
		q.paused = false
		q.c.mu.Lock()
		cl := q.c.cl
		q.c.mu.Unlock()
		if cl != nil {
			cl.ResumeFetchPartitions(map[string][]int32{q.tp.topic: {q.tp.partition}})
		}
	}
	if len(recs) == 0 && q.err != nil {
		return recs, q.err
	}
	return recs, nil
}
