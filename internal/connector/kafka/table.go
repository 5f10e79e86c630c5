package kafka

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/hint"
	"github.com/sluicehq/sluice/internal/types"
	"github.com/twmb/franz-go/pkg/kgo"
)

// table is a Kafka table's validated configuration, shared by its source
// and sink, and by the upsert-kafka connector.
type table struct {
	ctx           connector.CreateContext
	name          string // connector name, for errors
	upsert        bool
	topics        []string
	pattern       *regexp.Regexp
	servers       []string
	group         string
	props         map[string]string
	client        []kgo.Opt // options every client of the table gets
	consumer      []kgo.Opt // options of reading clients
	producer      []kgo.Opt // options of writing clients
	readCommitted bool
	resetLatest   bool // 'auto.offset.reset' = 'latest' for group-offsets without a commit
	resetSet      bool

	startMode    string
	startOffsets map[int32]int64
	startMillis  int64
	boundMode    string
	boundOffsets map[int32]int64
	boundMillis  int64
	discovery    time.Duration

	// Key and value layout: the physical columns each part holds, and the
	// formats with the schemas they see (field names without the prefix).
	keyCols     []int
	valueCols   []int
	keyFormat   *connector.FormatSpec
	keySchema   types.Schema
	valueFormat *connector.FormatSpec
	valueSchema types.Schema

	delivery    string
	txnPrefix   string
	partitioner string
}

// errorf formats an error of the table; errors formatted with %w keep
// their identity.
func (t *table) errorf(format string, args ...any) error {
	return fmt.Errorf("%s table '%s': "+format, append([]any{t.name, t.ctx.Table}, args...)...)
}

func newTable(ctx connector.CreateContext, formats FormatLookup, upsert bool) (*table, error) {
	o := ctx.Options
	t := &table{ctx: ctx, name: "kafka", upsert: upsert, props: o.WithPrefix("properties.")}
	if upsert {
		t.name = "upsert-kafka"
	}
	if ctx.Format == nil {
		return nil, t.errorf("needs a 'format' or 'value.format'")
	}
	for _, s := range strings.Split(o.String("topic"), ";") {
		if s = strings.TrimSpace(s); s != "" {
			t.topics = append(t.topics, s)
		}
	}
	if p := o.String("topic-pattern"); p != "" {
		if len(t.topics) > 0 {
			return nil, t.errorf("'topic' and 'topic-pattern' are exclusive; give one")
		}
		re, err := regexp.Compile("^(?:" + p + ")$")
		if err != nil {
			return nil, t.errorf("option 'topic-pattern': %v", err)
		}
		t.pattern = re
	} else if len(t.topics) == 0 {
		return nil, t.errorf("needs 'topic' (or 'topic-pattern')")
	}
	for _, s := range strings.Split(t.props["bootstrap.servers"], ",") {
		if s = strings.TrimSpace(s); s != "" {
			t.servers = append(t.servers, s)
		}
	}
	t.group = t.props["group.id"]
	if err := t.clientOptions(); err != nil {
		return nil, err
	}
	if err := t.layout(formats); err != nil {
		return nil, err
	}
	t.delivery = strings.ToLower(o.String("sink.delivery-guarantee"))
	t.txnPrefix = o.String("sink.transactional-id-prefix")
	t.partitioner = strings.ToLower(o.String("sink.partitioner"))
	return t, nil
}

// honoured maps the Kafka client properties Sluice honours to kgo options.
// bootstrap.servers, group.id, isolation.level, auto.offset.reset and
// transaction.timeout.ms are handled separately.
var honoured = map[string]func(v string, t *table) error{
	"client.id": func(v string, t *table) error { t.client = append(t.client, kgo.ClientID(v)); return nil },
	"isolation.level": func(v string, t *table) error {
		switch strings.ToLower(v) {
		case "read_committed":
			t.readCommitted = true
			t.consumer = append(t.consumer, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
		case "read_uncommitted":
		default:
			return fmt.Errorf("is '%s', not read_committed or read_uncommitted", v)
		}
		return nil
	},
	"auto.offset.reset": func(v string, t *table) error {
		switch strings.ToLower(v) {
		case "earliest":
			t.resetSet = true
		case "latest":
			t.resetSet, t.resetLatest = true, true
			t.consumer = append(t.consumer, kgo.ConsumeResetOffset(kgo.NewOffset().AtEnd()))
		case "none":
		default:
			return fmt.Errorf("is '%s', not earliest, latest or none", v)
		}
		return nil
	},
	"fetch.max.wait.ms":         msOpt(func(d time.Duration) kgo.Opt { return kgo.FetchMaxWait(d) }, true),
	"fetch.min.bytes":           intOpt(func(n int) kgo.Opt { return kgo.FetchMinBytes(int32(n)) }, true),
	"fetch.max.bytes":           intOpt(func(n int) kgo.Opt { return kgo.FetchMaxBytes(int32(n)) }, true),
	"max.partition.fetch.bytes": intOpt(func(n int) kgo.Opt { return kgo.FetchMaxPartitionBytes(int32(n)) }, true),
	"metadata.max.age.ms":       msOpt(func(d time.Duration) kgo.Opt { return kgo.MetadataMaxAge(d) }, false),
	"request.timeout.ms":        msOpt(func(d time.Duration) kgo.Opt { return kgo.ProduceRequestTimeout(d) }, false),
	"linger.ms":                 msOpt(func(d time.Duration) kgo.Opt { return kgo.ProducerLinger(d) }, false),
	"max.request.size":          intOpt(func(n int) kgo.Opt { return kgo.ProducerBatchMaxBytes(int32(n)) }, false),
	"transaction.timeout.ms":    func(string, *table) error { return nil }, // read by the exactly-once writer
	"acks": func(v string, t *table) error {
		switch strings.ToLower(v) {
		case "all", "-1":
			t.producer = append(t.producer, kgo.RequiredAcks(kgo.AllISRAcks()))
		case "1":
			t.producer = append(t.producer, kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
		case "0":
			t.producer = append(t.producer, kgo.RequiredAcks(kgo.NoAck()), kgo.DisableIdempotentWrite())
		default:
			return fmt.Errorf("is '%s', not all, -1, 1 or 0", v)
		}
		return nil
	},
	"enable.idempotence": func(v string, t *table) error {
		if strings.EqualFold(v, "false") {
			t.producer = append(t.producer, kgo.DisableIdempotentWrite())
		}
		return nil
	},
	"compression.type": func(v string, t *table) error {
		c := map[string]kgo.CompressionCodec{"none": kgo.NoCompression(), "gzip": kgo.GzipCompression(),
			"snappy": kgo.SnappyCompression(), "lz4": kgo.Lz4Compression(), "zstd": kgo.ZstdCompression()}
		codec, ok := c[strings.ToLower(v)]
		if !ok {
			return fmt.Errorf("is '%s', not none, gzip, snappy, lz4 or zstd", v)
		}
		t.producer = append(t.producer, kgo.ProducerBatchCompression(codec))
		return nil
	},
	"allow.auto.create.topics": func(string, *table) error { return nil }, // read by the sink
	"security.protocol": func(v string, t *table) error {
		if !strings.EqualFold(v, "PLAINTEXT") {
			return fmt.Errorf("is '%s': Sluice connects with PLAINTEXT only (no TLS or SASL yet)", v)
		}
		return nil
	},
}

func honouredList() string {
	keys := []string{"bootstrap.servers", "group.id"}
	for k := range honoured {
		keys = append(keys, k)
	}
	sort.Strings(keys[2:])
	for i, k := range keys {
		keys[i] = "'" + k + "'"
	}
	return strings.Join(keys, ", ")
}

func msOpt(f func(time.Duration) kgo.Opt, consumer bool) func(string, *table) error {
	return intOpt(func(n int) kgo.Opt { return f(time.Duration(n) * time.Millisecond) }, consumer)
}

func intOpt(f func(int) kgo.Opt, consumer bool) func(string, *table) error {
	return func(v string, t *table) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			return fmt.Errorf("is '%s', not a non-negative integer", v)
		}
		if consumer {
			t.consumer = append(t.consumer, f(n))
		} else {
			t.producer = append(t.producer, f(n))
		}
		return nil
	}
}

func (t *table) clientOptions() error {
	if len(t.servers) == 0 {
		return t.errorf("'properties.bootstrap.servers' is empty")
	}
	t.client = append(t.client, kgo.SeedBrokers(t.servers...))
	keys := make([]string, 0, len(t.props))
	for k := range t.props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if f, ok := honoured[k]; ok {
			if err := f(t.props[k], t); err != nil {
				return t.errorf("option 'properties.%s' %v", k, err)
			}
		}
	}
	return nil
}

// parseOffsets parses 'partition:0,offset:42;partition:1,offset:300'.
func parseOffsets(key, s string) (map[int32]int64, error) {
	out := map[int32]int64{}
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		var p int32
		var off int64
		if _, err := fmt.Sscanf(strings.ReplaceAll(part, " ", ""), "partition:%d,offset:%d", &p, &off); err != nil || p < 0 || off < 0 {
			return nil, fmt.Errorf("option '%s': '%s' is not 'partition:<n>,offset:<n>' (e.g. 'partition:0,offset:42;partition:1,offset:300')", key, part)
		}
		out[p] = off
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("option '%s' lists no partition", key)
	}
	return out, nil
}

func (t *table) scanOptions() error {
	o := t.ctx.Options
	t.startMode = strings.ToLower(o.String("scan.startup.mode"))
	t.boundMode = strings.ToLower(o.String("scan.bounded.mode"))
	if t.upsert {
		t.startMode = "earliest-offset" // upsert-kafka reads the whole topic, as Flink's
	}
	t.discovery = o.Duration("scan.topic-partition-discovery.interval")
	var err error
	switch t.startMode {
	case "group-offsets":
		if t.group == "" {
			return t.errorf("'scan.startup.mode' = 'group-offsets' (the default) needs 'properties.group.id'; or set 'scan.startup.mode' to 'earliest-offset' or 'latest-offset'")
		}
	case "timestamp":
		if !o.Has("scan.startup.timestamp-millis") {
			return t.errorf("'scan.startup.mode' = 'timestamp' needs 'scan.startup.timestamp-millis'")
		}
		t.startMillis = o.Int("scan.startup.timestamp-millis")
	case "specific-offsets":
		if !o.Has("scan.startup.specific-offsets") {
			return t.errorf("'scan.startup.mode' = 'specific-offsets' needs 'scan.startup.specific-offsets'")
		}
		if len(t.topics) != 1 {
			return t.errorf("'scan.startup.specific-offsets' needs exactly one 'topic'")
		}
		if t.startOffsets, err = parseOffsets("scan.startup.specific-offsets", o.String("scan.startup.specific-offsets")); err != nil {
			return t.errorf("%v", err)
		}
	}
	switch t.boundMode {
	case "group-offsets":
		if t.group == "" {
			return t.errorf("'scan.bounded.mode' = 'group-offsets' needs 'properties.group.id'")
		}
	case "timestamp":
		if !o.Has("scan.bounded.timestamp-millis") {
			return t.errorf("'scan.bounded.mode' = 'timestamp' needs 'scan.bounded.timestamp-millis'")
		}
		t.boundMillis = o.Int("scan.bounded.timestamp-millis")
	case "specific-offsets":
		if !o.Has("scan.bounded.specific-offsets") {
			return t.errorf("'scan.bounded.mode' = 'specific-offsets' needs 'scan.bounded.specific-offsets'")
		}
		if len(t.topics) != 1 {
			return t.errorf("'scan.bounded.specific-offsets' needs exactly one 'topic'")
		}
		if t.boundOffsets, err = parseOffsets("scan.bounded.specific-offsets", o.String("scan.bounded.specific-offsets")); err != nil {
			return t.errorf("%v", err)
		}
	}
	return nil
}

// layout splits the physical columns into key and value and builds their
// formats.
func (t *table) layout(formats FormatLookup) error {
	o := t.ctx.Options
	schema := t.ctx.Schema
	prefix := o.String("key.fields-prefix")
	exceptKey := strings.EqualFold(o.String("value.fields-include"), "EXCEPT_KEY")
	if t.upsert {
		if len(t.ctx.PrimaryKey) == 0 {
			return t.errorf("needs a PRIMARY KEY (... ) NOT ENFORCED: its columns are the record key")
		}
		if o.Has("key.fields") {
			return t.errorf("takes its key columns from the PRIMARY KEY; remove 'key.fields'")
		}
		if !o.Has("key.format") {
			return t.errorf("needs 'key.format'")
		}
		t.keyCols = append([]int(nil), t.ctx.PrimaryKey...)
	} else if o.Has("key.fields") {
		for _, name := range strings.Split(o.String("key.fields"), ";") {
			name = strings.TrimSpace(name)
			i := schema.Index(name)
			if i < 0 {
				names := make([]string, schema.Len())
				for j, f := range schema.Fields {
					names[j] = f.Name
				}
				return t.errorf("'key.fields' names '%s', which is not a physical column%s", name, hint.DidYouMean(name, names))
			}
			t.keyCols = append(t.keyCols, i)
		}
		if !o.Has("key.format") {
			return t.errorf("'key.fields' needs 'key.format'")
		}
	} else if o.Has("key.format") {
		return t.errorf("'key.format' needs 'key.fields' (the columns that make up the key)")
	}
	if prefix != "" && !exceptKey {
		return t.errorf("'key.fields-prefix' needs 'value.fields-include' = 'EXCEPT_KEY'")
	}
	isKey := map[int]bool{}
	var keyFields []types.Field
	for _, i := range t.keyCols {
		f := schema.Fields[i]
		if !strings.HasPrefix(f.Name, prefix) {
			return t.errorf("key column '%s' does not start with 'key.fields-prefix' '%s'", f.Name, prefix)
		}
		isKey[i] = true
		keyFields = append(keyFields, types.Field{Name: strings.TrimPrefix(f.Name, prefix), Type: f.Type})
	}
	t.keySchema = types.Schema{Fields: keyFields}
	var valueFields []types.Field
	for i, f := range schema.Fields {
		if exceptKey && isKey[i] {
			continue
		}
		t.valueCols = append(t.valueCols, i)
		valueFields = append(valueFields, f)
	}
	t.valueSchema = types.Schema{Fields: valueFields}

	// The value format's options may also come as 'value.<format>.*'.
	vname := t.ctx.Format.Format.Name
	var err error
	if t.valueFormat, err = t.formatSpec(t.ctx.Format.Format, "value.", t.ctx.Format.Options.All(), map[string]bool{"format": true, "fields-include": true}); err != nil {
		return err
	}
	if t.upsert && t.valueFormat.Format.Changelog {
		return t.errorf("value format '%s' is a changelog; upsert-kafka needs an insert-only format such as json", vname)
	}
	if len(t.keyCols) > 0 {
		kf, err := formats.Format(o.String("key.format"))
		if err != nil {
			return t.errorf("'key.format': %v", err)
		}
		if kf.Changelog {
			return t.errorf("key format '%s' is a changelog format; keys need a plain format such as raw or json", kf.Name)
		}
		if t.keyFormat, err = t.formatSpec(kf, "key.", nil, map[string]bool{"format": true, "fields": true, "fields-prefix": true}); err != nil {
			return err
		}
	} else if extra := o.WithPrefix("key."); len(extra) > 0 {
		for k := range extra {
			return t.errorf("option 'key.%s' is given but the table has no key ('key.format' and 'key.fields')", k)
		}
	}
	return nil
}

// formatSpec validates the options of format f given as '<part><format>.*'
// (part is "key." or "value."), merged over base.
func (t *table) formatSpec(f *connector.Format, part string, base map[string]string, own map[string]bool) (*connector.FormatSpec, error) {
	raw := map[string]string{}
	for k, v := range base {
		raw[k] = v
	}
	for k, v := range t.ctx.Options.WithPrefix(part) {
		if own[k] {
			continue
		}
		name, ok := strings.CutPrefix(k, f.Name+".")
		if !ok {
			return nil, t.errorf("unsupported option '%s%s' (options of the %s format '%s' are written '%s%s.<option>')", part, k, strings.TrimSuffix(part, "."), f.Name, part, f.Name)
		}
		raw[name] = v
	}
	opts, err := config.Validate(fmt.Sprintf("%sformat '%s' of table '%s' (options take the prefix '%s%s.')", part, f.Name, t.ctx.Table, part, f.Name), f.Options, raw)
	if err != nil {
		return nil, err
	}
	return &connector.FormatSpec{Format: f, Options: opts}, nil
}
