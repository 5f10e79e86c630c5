package nexmark

import (
	"fmt"
	"time"

	"github.com/sluicehq/sluice/internal/config"
)

// Option keys, as in the reference's NexmarkSourceOptions.
const (
	optRateShape         = "rate.shape"
	optRatePeriod        = "rate.period"
	optRateLimited       = "rate.limited"
	optFirstEventRate    = "first-event.rate"
	optNextEventRate     = "next-event.rate"
	optPersonAvgSize     = "person.avg-size"
	optAuctionAvgSize    = "auction.avg-size"
	optBidAvgSize        = "bid.avg-size"
	optPersonProportion  = "person.proportion"
	optAuctionProportion = "auction.proportion"
	optBidProportion     = "bid.proportion"
	optHotRatioAuctions  = "bid.hot-ratio.auctions"
	optHotRatioBidders   = "bid.hot-ratio.bidders"
	optHotRatioSellers   = "auction.hot-ratio.sellers"
	optEventsNum         = "events.num"
	optKeepAlive         = "keep-alive"
	optStopAt            = "stop-at"
	optMaxEmitSpeed      = "max-emit-speed"
	optBaseTime          = "base-time"
)

// Options is the nexmark connector's option spec.
var Options = []config.Spec{
	{Key: optRateShape, Type: config.Enum, Values: []string{"SQUARE", "SINE"}, Default: "SQUARE",
		Description: "Shape of the event-rate curve. Accepted for compatibility; like the reference's generator, Sluice uses first-event.rate throughout."},
	{Key: optRatePeriod, Type: config.Duration, Default: "600 s",
		Description: "Period of the event-rate curve. Accepted for compatibility; unused, as in the reference's generator."},
	{Key: optRateLimited, Type: config.Bool, Default: "false",
		Description: "Accepted for compatibility; unused, as in the reference's source. Use 'max-emit-speed' = 'false' to pace events to wall-clock time."},
	{Key: optFirstEventRate, Type: config.Int, Default: "10000",
		Description: "Events per second of event time: consecutive events are 1e6/rate µs apart in event time (and in wall-clock time when 'max-emit-speed' is false)."},
	{Key: optNextEventRate, Type: config.Int, Default: "10000",
		Description: "Accepted for compatibility; unused, as in the reference's generator."},
	{Key: optPersonAvgSize, Type: config.MemorySize, Default: "200b",
		Description: "Average size of a person event; the 'extra' field pads to it."},
	{Key: optAuctionAvgSize, Type: config.MemorySize, Default: "500b",
		Description: "Average size of an auction event; the 'extra' field pads to it."},
	{Key: optBidAvgSize, Type: config.MemorySize, Default: "100b",
		Description: "Average size of a bid event; the 'extra' field pads to it."},
	{Key: optPersonProportion, Type: config.Int, Default: "1",
		Description: "Out of every person+auction+bid proportion events, how many are people."},
	{Key: optAuctionProportion, Type: config.Int, Default: "3",
		Description: "Out of every person+auction+bid proportion events, how many are auctions."},
	{Key: optBidProportion, Type: config.Int, Default: "46",
		Description: "Out of every person+auction+bid proportion events, how many are bids."},
	{Key: optHotRatioAuctions, Type: config.Int, Default: "2",
		Description: "A bid is for the current hot auction with probability 1 - 1/ratio."},
	{Key: optHotRatioBidders, Type: config.Int, Default: "4",
		Description: "A bid is by a hot bidder with probability 1 - 1/ratio."},
	{Key: optHotRatioSellers, Type: config.Int, Default: "4",
		Description: "An auction is by a hot seller with probability 1 - 1/ratio."},
	{Key: optEventsNum, Type: config.Int, Default: "0",
		Description: "Number of events to generate over all parallel splits; 0 means unbounded."},
	{Key: optKeepAlive, Type: config.Bool, Default: "false",
		Description: "Keep the source running (idle) after the last event instead of ending it; makes the source unbounded."},
	{Key: optStopAt, Type: config.Int, Default: "-1",
		Description: "Stop after this many events over all splits (-1: never); unlike events.num, the source then idles if 'keep-alive' is true."},
	{Key: optMaxEmitSpeed, Type: config.Bool, Default: "true",
		Description: "Emit events as fast as possible. When false, each event is emitted when the wall clock reaches its event time relative to the start."},
	{Key: optBaseTime, Type: config.Int,
		Description: "Sluice extension: event time of the start of the stream, in epoch milliseconds, for reproducible runs. Default: the time the source is created."},
}

// settings is everything a source needs, resolved from the options.
type settings struct {
	gen          genConfig
	numEvents    int64 // 0 = unbounded
	stopAt       int64 // < 0 = never
	keepAlive    bool
	maxEmitSpeed bool
}

func parseSettings(o *config.Options, now time.Time) (*settings, error) {
	s := &settings{
		numEvents:    o.Int(optEventsNum),
		stopAt:       o.Int(optStopAt),
		keepAlive:    o.Bool(optKeepAlive),
		maxEmitSpeed: o.Bool(optMaxEmitSpeed),
	}
	c := &s.gen
	c.personProp = o.Int(optPersonProportion)
	c.auctionProp = o.Int(optAuctionProportion)
	c.bidProp = o.Int(optBidProportion)
	c.totalProp = c.personProp + c.auctionProp + c.bidProp
	rate := o.Int(optFirstEventRate)
	c.avgPersonSize = o.Memory(optPersonAvgSize)
	c.avgAuctionSize = o.Memory(optAuctionAvgSize)
	c.avgBidSize = o.Memory(optBidAvgSize)
	c.hotAuctionRatio = o.Int(optHotRatioAuctions)
	c.hotBiddersRatio = o.Int(optHotRatioBidders)
	c.hotSellersRatio = o.Int(optHotRatioSellers)
	switch {
	case c.personProp < 1 || c.auctionProp < 1 || c.bidProp < 0:
		return nil, fmt.Errorf("'%s' and '%s' must be at least 1 and '%s' at least 0", optPersonProportion, optAuctionProportion, optBidProportion)
	case rate < 1:
		return nil, fmt.Errorf("'%s' must be positive, is %d", optFirstEventRate, rate)
	case c.hotAuctionRatio < 1 || c.hotBiddersRatio < 1 || c.hotSellersRatio < 1:
		return nil, fmt.Errorf("hot ratios ('%s', '%s', '%s') must be at least 1", optHotRatioAuctions, optHotRatioBidders, optHotRatioSellers)
	case s.numEvents < 0:
		return nil, fmt.Errorf("'%s' must not be negative, is %d", optEventsNum, s.numEvents)
	case c.avgPersonSize > 1<<26 || c.avgAuctionSize > 1<<26 || c.avgBidSize > 1<<26:
		return nil, fmt.Errorf("average event sizes must be at most 64 mb")
	}
	c.interEventDelayUs = 1e6 / float64(rate)
	if o.Has(optBaseTime) {
		c.baseTime = o.Int(optBaseTime)
	} else {
		c.baseTime = now.UnixMilli()
	}
	return s, nil
}

// limit is one past the last event number to generate (math.MaxInt64 when
// unbounded).
func (s *settings) limit() int64 {
	l := int64(1<<63 - 1)
	if s.numEvents > 0 {
		l = s.numEvents
	}
	if s.stopAt >= 0 && s.stopAt < l {
		l = s.stopAt
	}
	return l
}
