package all

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
)

func TestEverythingRegistered(t *testing.T) {
	r := Registry()
	if got := strings.Join(r.ConnectorNames(), ","); got != "blackhole,datagen,filesystem,jdbc,kafka,nexmark,print,redis,upsert-kafka" {
		t.Errorf("connectors %s", got)
	}
	if got := strings.Join(r.FormatNames(), ","); got != "canal-json,csv,debezium-json,json,raw" {
		t.Errorf("formats %s", got)
	}
}

func checkSpecs(t *testing.T, owner string, specs []config.Spec) {
	seen := map[string]bool{}
	for _, s := range specs {
		if strings.TrimSpace(s.Description) == "" {
			t.Errorf("%s: option '%s' has no description", owner, s.Key)
		}
		if seen[s.Key] {
			t.Errorf("%s: option '%s' declared twice", owner, s.Key)
		}
		seen[s.Key] = true
		if s.Default != "" {
			if _, err := config.Validate(owner, []config.Spec{s}, map[string]string{concrete(s.Key): s.Default}); err != nil {
				t.Errorf("%s: default of '%s' is invalid: %v", owner, s.Key, err)
			}
		}
	}
}

func concrete(key string) string { return strings.ReplaceAll(key, "#", "f") }

func TestOptionsDescribed(t *testing.T) {
	r := Registry()
	for _, name := range r.ConnectorNames() {
		f, _ := r.Connector(name)
		if f.Description == "" {
			t.Errorf("connector '%s' has no description", name)
		}
		checkSpecs(t, "connector '"+name+"'", f.Options)
	}
	for _, name := range r.FormatNames() {
		f, _ := r.Format(name)
		if f.Description == "" {
			t.Errorf("format '%s' has no description", name)
		}
		checkSpecs(t, "format '"+name+"'", f.Options)
	}
}

func TestTyposSuggest(t *testing.T) {
	r := Registry()
	for _, tc := range []struct {
		with    map[string]string
		suggest string
	}{
		{map[string]string{"connector": "datagne"}, "datagen"},
		{map[string]string{"connector": "nexmark", "first-event.rat": "10"}, "first-event.rate"},
		{map[string]string{"connector": "nexmark", "events-num": "10"}, "events.num"},
		{map[string]string{"connector": "nexmark", "max-emit-sped": "true"}, "max-emit-speed"},
		{map[string]string{"connector": "datagen", "rows-per-secnd": "10"}, "rows-per-second"},
		{map[string]string{"connector": "datagen", "number-of-row": "10"}, "number-of-rows"},
		{map[string]string{"connector": "print", "print-identifer": "x"}, "print-identifier"},
		{map[string]string{"connector": "print", "standard-eror": "true"}, "standard-error"},
		{map[string]string{"connector": "filesystem", "pth": "/x", "format": "csv"}, "path"},
		{map[string]string{"connector": "filesystem", "path": "/x", "format": "jsn"}, "json"},
		{map[string]string{"connector": "filesystem", "path": "/x", "format": "json", "json.ignore-parse-error": "true"}, "ignore-parse-errors"},
		{map[string]string{"connector": "filesystem", "path": "/x", "format": "csv", "csv.field-delimeter": ";"}, "field-delimiter"},
		{map[string]string{"connector": "kafka", "topic": "t", "properties.bootstrap.servers": "h:9092", "format": "json", "scan.startup.mod": "earliest-offset"}, "scan.startup.mode"},
		{map[string]string{"connector": "kafka", "topic": "t", "properties.bootstrap.servers": "h:9092", "format": "debezium-json", "debezium-json.schema-includ": "true"}, "schema-include"},
		{map[string]string{"connector": "upsert-kafka", "topic": "t", "properties.bootstrap.servers": "h:9092", "key.format": "json", "value.format": "json", "sink.delivery-guarante": "none"}, "sink.delivery-guarantee"},
	} {
		_, _, _, err := r.Resolve("t", tc.with)
		if err == nil || !strings.Contains(err.Error(), "did you mean") || !strings.Contains(err.Error(), "'"+tc.suggest+"'") {
			t.Errorf("%v: got %v, want a suggestion of '%s'", tc.with, err, tc.suggest)
		}
	}
}

func TestWithOutput(t *testing.T) {
	var out bytes.Buffer
	r := NewRegistry(WithOutput(&out, nil))
	f, opts, _, err := r.Resolve("t", map[string]string{"connector": "print"})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := f.NewSink(connector.CreateContext{Table: "t", Schema: types.Schema{Fields: []types.Field{{Name: "x", Type: types.IntType}}}, Options: opts})
	w, _ := s.Open(context.Background(), 0, 1)
	b := types.NewBatch(1)
	b.Append(types.Insert, types.Row{types.IntValue(1)})
	_ = w.Write(b)
	if out.String() != "+I[1]\n" {
		t.Errorf("print wrote %q", out.String())
	}
}
