package kafka

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

var (
	_ connector.Source          = (*source)(nil)
	_ connector.ResumableSource = (*source)(nil)
	_ connector.DynamicSource   = (*source)(nil)
	_ connector.ChangelogSource = (*source)(nil)
)

// source reads a Kafka table: one split per topic-partition.
type source struct {
	t        *table
	consumer consumer

	mu    sync.Mutex
	known map[topicPartition]bool // partitions returned by Splits/NewSplits

	streak discoveryStreak // NewSplits' failures in a row (discovery.go)
}

func newSource(t *table) *source {
	opts := append(append([]kgo.Opt(nil), t.client...), t.consumer...)
	return &source{t: t, consumer: consumer{opts: opts}, known: map[topicPartition]bool{}}
}

func (s *source) Bounded() bool { return s.t.boundMode != "unbounded" }

// ProducesChangelog: upsert-kafka always; kafka with a changelog format.
func (s *source) ProducesChangelog() bool { return s.t.upsert || s.t.valueFormat.Format.Changelog }

// split is one topic-partition with the offsets reading starts at and
// stops before (stop < 0: never).
type split struct {
	topicPartition
	start, stop int64
}

func (sp split) ID() string { return sp.topic + ":" + strconv.Itoa(int(sp.partition)) }

// admin runs fn with a short-lived client for metadata and offset lookups.
func (s *source) admin(ctx context.Context, fn func(*kadm.Client) error) error {
	cl, err := kgo.NewClient(s.t.client...)
	if err != nil {
		return s.t.errorf("%v", err)
	}
	defer cl.Close()
	return fn(kadm.NewClient(cl))
}

// partitions lists the table's topic-partitions, sorted.
func (s *source) partitions(ctx context.Context, adm *kadm.Client) ([]topicPartition, error) {
	var details kadm.TopicDetails
	var err error
	if s.t.pattern != nil {
		details, err = adm.ListTopics(ctx)
	} else {
		details, err = adm.ListTopics(ctx, s.t.topics...)
	}
	if err != nil {
		return nil, s.t.errorf("listing topics: %w", err)
	}
	var out []topicPartition
	for name, d := range details {
		if s.t.pattern != nil {
			if d.IsInternal || !s.t.pattern.MatchString(name) || d.Err != nil {
				continue
			}
		} else if d.Err != nil {
			return nil, s.t.errorf("topic '%s': %w", name, d.Err)
		}
		for p := range d.Partitions {
			out = append(out, topicPartition{name, p})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].topic != out[j].topic {
			return out[i].topic < out[j].topic
		}
		return out[i].partition < out[j].partition
	})
	return out, nil
}

func (s *source) topicsOf(tps []topicPartition) []string {
	seen := map[string]bool{}
	var out []string
	for _, tp := range tps {
		if !seen[tp.topic] {
			seen[tp.topic] = true
			out = append(out, tp.topic)
		}
	}
	return out
}

// Splits lists the partitions with their resolved start and stop offsets.
func (s *source) Splits(int) ([]connector.Split, error) {
	ctx := context.Background()
	var out []connector.Split
	err := s.admin(ctx, func(adm *kadm.Client) error {
		tps, err := s.partitions(ctx, adm)
		if err != nil {
			return err
		}
		if len(tps) == 0 {
			if s.t.pattern != nil {
				return nil // topics matching the pattern may come later
			}
			return s.t.errorf("topics %s have no partitions", strings.Join(s.t.topics, ", "))
		}
		starts, err := s.offsets(ctx, adm, tps, s.t.startMode, s.t.startOffsets, s.t.startMillis, false)
		if err != nil {
			return err
		}
		stops := map[topicPartition]int64{}
		if s.Bounded() {
			if stops, err = s.offsets(ctx, adm, tps, s.t.boundMode, s.t.boundOffsets, s.t.boundMillis, true); err != nil {
				return err
			}
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, tp := range tps {
			s.known[tp] = true
			stop, ok := stops[tp]
			if !ok {
				stop = -1
			}
			out = append(out, split{tp, starts[tp], stop})
		}
		return nil
	})
	return out, err
}

// NewSplits returns partitions (and pattern-matched topics) created since
// the last call, read from their earliest offset as Flink does. A bounded
// scan discovers nothing.
// DiscoveryInterval is 'scan.topic-partition-discovery.interval' (0: off;
// a bounded scan discovers nothing).
func (s *source) DiscoveryInterval() time.Duration {
	if s.Bounded() {
		return 0
	}
	return s.t.discovery
}

// NewSplits is called from one goroutine; its errors are reported as
// discovery.go describes.
func (s *source) NewSplits(ctx context.Context) ([]connector.Split, error) {
	if s.Bounded() {
		return nil, nil
	}
	out, err := s.newSplits(ctx)
	if err != nil {
		return nil, s.discoveryFailed(err)
	}
	s.discovered()
	return out, nil
}

func (s *source) newSplits(ctx context.Context) ([]connector.Split, error) {
	var out []connector.Split
	err := s.admin(ctx, func(adm *kadm.Client) error {
		tps, err := s.partitions(ctx, adm)
		if err != nil {
			return err
		}
		s.mu.Lock()
		var fresh []topicPartition
		for _, tp := range tps {
			if !s.known[tp] {
				fresh = append(fresh, tp)
			}
		}
		s.mu.Unlock()
		if len(fresh) == 0 {
			return nil
		}
		starts, err := s.offsets(ctx, adm, fresh, "earliest-offset", nil, 0, false)
		if err != nil {
			return err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, tp := range fresh {
			if !s.known[tp] {
				s.known[tp] = true
				out = append(out, split{tp, starts[tp], -1})
			}
		}
		return nil
	})
	return out, err
}

// offsets resolves a startup or bounded mode to offsets per partition.
func (s *source) offsets(ctx context.Context, adm *kadm.Client, tps []topicPartition, mode string, specific map[int32]int64, millis int64, stopping bool) (map[topicPartition]int64, error) {
	topics := s.topicsOf(tps)
	out := make(map[topicPartition]int64, len(tps))
	list := func(what string, l kadm.ListedOffsets, err error) (kadm.ListedOffsets, error) {
		if err == nil {
			err = l.Error()
		}
		if err != nil {
			return nil, s.t.errorf("listing %s offsets: %v", what, err)
		}
		return l, nil
	}
	lookup := func(l kadm.ListedOffsets, tp topicPartition) int64 {
		if o, ok := l.Lookup(tp.topic, tp.partition); ok {
			return o.Offset
		}
		return -1
	}
	// end offsets: the high watermark, or the last stable offset for
	// read_committed (so a bounded scan does not wait on open transactions).
	end := func() (kadm.ListedOffsets, error) {
		if s.t.readCommitted {
			l, err := adm.ListCommittedOffsets(ctx, topics...)
			return list("last stable", l, err)
		}
		l, err := adm.ListEndOffsets(ctx, topics...)
		return list("end", l, err)
	}
	earliest := func() (kadm.ListedOffsets, error) {
		l, err := adm.ListStartOffsets(ctx, topics...)
		return list("start", l, err)
	}
	switch mode {
	case "earliest-offset", "latest-offset":
		f := earliest
		if mode == "latest-offset" {
			f = end
		}
		l, err := f()
		if err != nil {
			return nil, err
		}
		for _, tp := range tps {
			out[tp] = lookup(l, tp)
		}
	case "timestamp":
		l, err := adm.ListOffsetsAfterMilli(ctx, millis, topics...)
		if l, err = list("timestamp", l, err); err != nil {
			return nil, err
		}
		ends, err := end()
		if err != nil {
			return nil, err
		}
		for _, tp := range tps {
			o := lookup(l, tp)
			if o < 0 { // no record at or after the time
				o = lookup(ends, tp)
			}
			out[tp] = o
		}
	case "specific-offsets":
		fallback, err := earliest() // Flink: partitions not listed use the earliest offset
		if err != nil {
			return nil, err
		}
		for _, tp := range tps {
			if o, ok := specific[tp.partition]; ok {
				out[tp] = o
			} else {
				out[tp] = lookup(fallback, tp)
			}
		}
	case "group-offsets":
		committed, err := adm.FetchOffsets(ctx, s.t.group)
		if err == nil {
			err = committed.Error()
		}
		if err != nil {
			return nil, s.t.errorf("fetching the committed offsets of group '%s': %v", s.t.group, err)
		}
		var fallback kadm.ListedOffsets
		switch {
		case stopping || s.t.resetLatest:
			fallback, err = end()
		case s.t.resetSet:
			fallback, err = earliest()
		}
		if err != nil {
			return nil, err
		}
		for _, tp := range tps {
			if o, ok := committed.Lookup(tp.topic, tp.partition); ok && o.At >= 0 {
				out[tp] = o.At
			} else if fallback != nil {
				out[tp] = lookup(fallback, tp)
			} else {
				return nil, s.t.errorf("group '%s' has no committed offset for topic '%s' partition %d; set 'properties.auto.offset.reset' to 'earliest' or 'latest', or another 'scan.startup.mode'", s.t.group, tp.topic, tp.partition)
			}
		}
	}
	for tp, o := range out {
		if o < 0 {
			return nil, s.t.errorf("no %s offset for topic '%s' partition %d", mode, tp.topic, tp.partition)
		}
	}
	return out, nil
}

// Open starts reading a split at its start offset.
func (s *source) Open(ctx context.Context, sp connector.Split) (connector.Reader, error) {
	return s.OpenAt(ctx, sp, nil)
}

// Position encoding: "offset:<next offset>".
func encodePosition(next int64) []byte { return []byte("offset:" + strconv.FormatInt(next, 10)) }

func decodePosition(b []byte) (int64, error) {
	s, ok := strings.CutPrefix(string(b), "offset:")
	n, err := strconv.ParseInt(s, 10, 64)
	if !ok || err != nil || n < 0 {
		return 0, fmt.Errorf("'%s' is not a Kafka position (offset:<n>)", b)
	}
	return n, nil
}

// OpenAt resumes a split at a position from Reader.Position (nil: the
// split's start).
func (s *source) OpenAt(_ context.Context, cs connector.Split, position []byte) (connector.Reader, error) {
	sp, ok := cs.(split)
	if !ok {
		return nil, s.t.errorf("split %s is not a Kafka partition", cs.ID())
	}
	from := sp.start
	if position != nil {
		n, err := decodePosition(position)
		if err != nil {
			return nil, s.t.errorf("split %s: %v", sp.ID(), err)
		}
		from = n
	}
	r, err := newReader(s, sp, from)
	if err != nil {
		return nil, err
	}
	q, err := s.consumer.add(sp.topicPartition, from)
	if err != nil {
		return nil, s.t.errorf("reading topic '%s' partition %d: %v", sp.topic, sp.partition, err)
	}
	r.q = q
	return r, nil
}
