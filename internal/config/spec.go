package config

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/hint"
)

// Type is the type of an option's value.
type Type uint8

const (
	String Type = iota
	Int
	Bool
	Duration // "10 s", "200ms", "1 min", "5000" (ms)
	Enum
	MemorySize // "64 mb", "1gb", bytes
	Float
)

func (t Type) String() string {
	return [...]string{"string", "int", "bool", "duration", "enum", "memory", "float"}[t]
}

// Spec declares one option.
type Spec struct {
	Key         string
	Type        Type
	Default     string // "" means no default
	Required    bool
	Description string
	Secret      bool     // never printed
	Values      []string // allowed values for Enum (compared case-insensitively)
	Prefix      bool     // Key is a prefix; any key under it is accepted verbatim
	Aliases     []string // other keys accepted for the same option
}

// ErrInvalidOption is wrapped by every validation error.
var ErrInvalidOption = errors.New("invalid option")

// Options is a validated set of options: raw strings checked against specs.
type Options struct {
	specs []Spec
	raw   map[string]string
}

// Validate checks raw against specs: every key known, every required key
// present, every value of the right type. what names the owner in errors,
// e.g. "connector 'datagen'".
func Validate(what string, specs []Spec, raw map[string]string) (*Options, error) {
	o := &Options{specs: specs, raw: map[string]string{}}
	var errs []string
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := raw[k]
		s, canonical := find(specs, k)
		if s == nil {
			errs = append(errs, fmt.Sprintf("unsupported option '%s'%s", k, hint.DidYouMean(k, keyNames(specs))))
			continue
		}
		if err := check(*s, v); err != nil {
			errs = append(errs, fmt.Sprintf("option '%s': %v", k, err))
			continue
		}
		o.raw[canonical] = v
	}
	for _, s := range specs {
		if s.Required && !s.Prefix && !strings.Contains(s.Key, "#") {
			if _, ok := o.raw[s.Key]; !ok {
				errs = append(errs, fmt.Sprintf("missing required option '%s' (%s)", s.Key, s.Description))
			}
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w for %s: %s\nsupported options: %s", ErrInvalidOption, what,
			strings.Join(errs, "; "), strings.Join(keyNames(specs), ", "))
	}
	return o, nil
}

func keyNames(specs []Spec) []string {
	out := make([]string, 0, len(specs))
	for _, s := range specs {
		k := s.Key
		if s.Prefix {
			k += "*"
		}
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// find returns the spec for key and the canonical key under which it is kept.
func find(specs []Spec, key string) (*Spec, string) {
	for i := range specs {
		s := &specs[i]
		if s.Prefix {
			if strings.HasPrefix(key, s.Key) {
				return s, key
			}
			continue
		}
		if matchKey(s.Key, key) {
			if strings.Contains(s.Key, "#") {
				return s, key
			}
			return s, s.Key
		}
		for _, a := range s.Aliases {
			if matchKey(a, key) {
				return s, s.Key
			}
		}
	}
	return nil, ""
}

// matchKey matches key against pattern, where a '#' segment in pattern
// matches one or more characters.
func matchKey(pattern, key string) bool {
	i := strings.IndexByte(pattern, '#')
	if i < 0 {
		return pattern == key
	}
	pre, post := pattern[:i], pattern[i+1:]
	return len(key) > len(pre)+len(post) && strings.HasPrefix(key, pre) && strings.HasSuffix(key, post)
}

func check(s Spec, v string) error {
	switch s.Type {
	case Int:
		if _, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err != nil {
			return fmt.Errorf("'%s' is not an integer", v)
		}
	case Float:
		if _, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err != nil {
			return fmt.Errorf("'%s' is not a number", v)
		}
	case Bool:
		if _, err := parseBool(v); err != nil {
			return err
		}
	case Duration:
		if _, err := ParseDuration(v); err != nil {
			return err
		}
	case MemorySize:
		if _, err := ParseMemory(v); err != nil {
			return err
		}
	case Enum:
		for _, a := range s.Values {
			if strings.EqualFold(a, v) {
				return nil
			}
		}
		return fmt.Errorf("'%s' is not one of %s", v, strings.Join(s.Values, ", "))
	}
	return nil
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("'%s' is not a boolean (true or false)", v)
}

// ParseDuration parses Flink's duration syntax: a number with an optional
// unit (ms, s, sec, second(s), min, minute(s), h, hour(s), d, day(s)); a bare
// number is milliseconds.
func ParseDuration(v string) (time.Duration, error) {
	s := strings.ToLower(strings.TrimSpace(v))
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	num, unit := s[:i], strings.TrimSpace(s[i:])
	n, err := strconv.ParseFloat(num, 64)
	if err != nil || num == "" {
		return 0, fmt.Errorf("'%s' is not a duration (e.g. '200 ms', '10 s', '1 min')", v)
	}
	var d time.Duration
	switch unit {
	case "", "ms", "milli", "millis", "millisecond", "milliseconds":
		d = time.Millisecond
	case "us", "micro", "micros", "microsecond", "microseconds":
		d = time.Microsecond
	case "ns", "nano", "nanos", "nanosecond", "nanoseconds":
		d = time.Nanosecond
	case "s", "sec", "secs", "second", "seconds":
		d = time.Second
	case "m", "min", "mins", "minute", "minutes":
		d = time.Minute
	case "h", "hour", "hours":
		d = time.Hour
	case "d", "day", "days":
		d = 24 * time.Hour
	default:
		return 0, fmt.Errorf("'%s' has an unknown time unit '%s' (use ms, s, min, h or d)", v, unit)
	}
	return time.Duration(n * float64(d)), nil
}

// ParseMemory parses sizes such as "64 mb", "1gb", "512k" or bytes.
func ParseMemory(v string) (int64, error) {
	s := strings.ToLower(strings.TrimSpace(v))
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("'%s' is not a memory size (e.g. '64 mb', '1 gb')", v)
	}
	switch strings.TrimSpace(s[i:]) {
	case "", "b", "bytes":
		return n, nil
	case "k", "kb", "kib":
		return n << 10, nil
	case "m", "mb", "mib":
		return n << 20, nil
	case "g", "gb", "gib":
		return n << 30, nil
	case "t", "tb", "tib":
		return n << 40, nil
	}
	return 0, fmt.Errorf("'%s' has an unknown unit (use b, kb, mb, gb)", v)
}

// Has reports whether the option was given (defaults do not count).
func (o *Options) Has(key string) bool { _, ok := o.raw[key]; return ok }

// Raw returns the given value or the spec's default.
func (o *Options) Raw(key string) string {
	if v, ok := o.raw[key]; ok {
		return v
	}
	for _, s := range o.specs {
		if s.Key == key {
			return s.Default
		}
	}
	return ""
}

// String returns the option as a string.
func (o *Options) String(key string) string { return o.Raw(key) }

// Int returns the option as an integer (0 when unset with no default).
func (o *Options) Int(key string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(o.Raw(key)), 10, 64)
	return n
}

// Float returns the option as a float.
func (o *Options) Float(key string) float64 {
	n, _ := strconv.ParseFloat(strings.TrimSpace(o.Raw(key)), 64)
	return n
}

// Bool returns the option as a boolean.
func (o *Options) Bool(key string) bool { b, _ := parseBool(o.Raw(key)); return b }

// Duration returns the option as a duration.
func (o *Options) Duration(key string) time.Duration {
	d, _ := ParseDuration(o.Raw(key))
	return d
}

// Memory returns the option as bytes.
func (o *Options) Memory(key string) int64 { n, _ := ParseMemory(o.Raw(key)); return n }

// WithPrefix returns the given options whose keys start with prefix, with the
// prefix removed (e.g. "properties." for Kafka client settings).
func (o *Options) WithPrefix(prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range o.raw {
		if strings.HasPrefix(k, prefix) {
			out[strings.TrimPrefix(k, prefix)] = v
		}
	}
	return out
}

// All returns every given option (not defaults).
func (o *Options) All() map[string]string {
	out := make(map[string]string, len(o.raw))
	for k, v := range o.raw {
		out[k] = v
	}
	return out
}
