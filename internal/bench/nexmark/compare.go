package nexmarkbench

import (
	"context"
	"errors"
	"time"

	"github.com/sluicehq/sluice/internal/bench/benchkit"
)

// Comparison is one query measured with checkpointing off and on, in runs
// that alternate (off, on, off, on, ...) so that drifting load on a shared
// machine falls on both sides alike.
type Comparison struct {
	Query    string   `json:"query"`
	Interval string   `json:"checkpoint_interval"`
	Off      []Result `json:"off"`
	On       []Result `json:"on"`
	// Medians of events/s/core (CPU) and events/s (wall) over the runs.
	OffPerCore float64 `json:"off_events_per_core_second"`
	OnPerCore  float64 `json:"on_events_per_core_second"`
	OffPerSec  float64 `json:"off_events_per_second"`
	OnPerSec   float64 `json:"on_events_per_second"`
	// Cost is 1 - OnPerCore/OffPerCore: the share of throughput per core
	// that checkpointing costs (negative when the "on" runs were faster,
	// i.e. within noise).
	Cost float64 `json:"cost"`
	// WallCost is the same from events/s.
	WallCost float64 `json:"wall_cost"`
}

// Compare measures each query runs times with checkpointing off and runs
// times with checkpointing every cfg.CheckpointInterval, alternating.
func Compare(ctx context.Context, cfg Config, runs int) ([]Comparison, error) {
	if cfg.CheckpointInterval <= 0 {
		return nil, errors.New("comparing checkpointing needs a positive checkpoint interval")
	}
	if runs < 1 {
		return nil, errors.New("comparing checkpointing needs at least one run")
	}
	var out []Comparison
	for _, q := range cfg.Queries {
		c := Comparison{Query: q, Interval: cfg.CheckpointInterval.String()}
		for range runs {
			for _, iv := range []time.Duration{0, cfg.CheckpointInterval} {
				r, err := runOne(ctx, cfg, q, iv)
				if err != nil {
					return out, err
				}
				if iv == 0 {
					c.Off = append(c.Off, r)
				} else {
					c.On = append(c.On, r)
				}
			}
		}
		c.OffPerCore = benchkit.Median(c.Off, func(r Result) float64 { return r.EventsPerCPUSec })
		c.OnPerCore = benchkit.Median(c.On, func(r Result) float64 { return r.EventsPerCPUSec })
		c.OffPerSec = benchkit.Median(c.Off, func(r Result) float64 { return r.EventsPerSecond })
		c.OnPerSec = benchkit.Median(c.On, func(r Result) float64 { return r.EventsPerSecond })
		c.Cost = 1 - c.OnPerCore/c.OffPerCore
		c.WallCost = 1 - c.OnPerSec/c.OffPerSec
		out = append(out, c)
	}
	return out, nil
}
