package kafka

import (
	"errors"
	"fmt"
	"time"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/twmb/franz-go/pkg/kerr"
)

// Partition discovery failures (source.NewSplits). Every failure is returned
// to the runtime, which logs it with the source and counts it
// (sluice_source_discovery_failures_total) and tries again at the next
// interval. Failures that retrying does not cure by itself — the topic does
// not exist (deleted, or renamed), or the client is not authorised to read
// its metadata — fail the job once they have been seen in discoveryFailLimit
// consecutive discoveries spanning at least discoveryFailTime: three
// attempts, so that a deletion and re-creation or an ACL change being rolled
// out does not stop a job, and 30 s, so that a short interval does not turn
// a broker's slow metadata propagation into a failure (with the default
// 5 min interval the job fails after 10 min). Any other error (a broker
// away, a timeout) is retried indefinitely, as Flink's KafkaSource does:
// the readers of the known partitions go on meanwhile, and the client
// reconnects by itself. A successful discovery ends the streak.
var (
	discoveryFailLimit = 3
	discoveryFailTime  = 30 * time.Second
)

// discoveryStreak counts consecutive failures of one kind of fatal error.
type discoveryStreak struct {
	n     int
	since time.Time
	now   func() time.Time // time.Now; injectable for tests
}

// fatalReason says why err will not go away by retrying, or "" when it may.
func fatalReason(err error) string {
	switch {
	case errors.Is(err, kerr.UnknownTopicOrPartition):
		return "the topic does not exist (deleted or renamed?); recreate it or change the table's 'topic'"
	case errors.Is(err, kerr.TopicAuthorizationFailed), errors.Is(err, kerr.ClusterAuthorizationFailed):
		return "the client is not authorised to describe the topic; grant DESCRIBE and READ on it to the job's principal"
	case errors.Is(err, kerr.SaslAuthenticationFailed), errors.Is(err, kerr.IllegalSaslState), errors.Is(err, kerr.UnsupportedSaslMechanism):
		return "authentication with the brokers failed; check the client's credentials"
	}
	return ""
}

// discoveryFailed records a discovery failure and returns the error for the runtime:
// wrapping connector.ErrDiscoveryFailed once a fatal kind persisted for the
// bounds above.
func (s *source) discoveryFailed(err error) error {
	st := &s.streak
	if st.now == nil {
		st.now = time.Now
	}
	now := st.now()
	why := fatalReason(err)
	if why == "" {
		st.n = 0
		return fmt.Errorf("partition discovery: %w (retrying)", err)
	}
	if st.n == 0 {
		st.since = now
	}
	st.n++
	if st.n < discoveryFailLimit || now.Sub(st.since) < discoveryFailTime {
		return fmt.Errorf("partition discovery: %w (failure %d in a row, retrying: %s)", err, st.n, why)
	}
	return fmt.Errorf("%w %d times in a row over %s: %w: %s",
		connector.ErrDiscoveryFailed, st.n, now.Sub(st.since).Round(time.Second), err, why)
}

// discovered ends a failure streak.
func (s *source) discovered() { s.streak.n = 0 }
