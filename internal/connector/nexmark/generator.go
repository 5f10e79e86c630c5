package nexmark

import (
	"math"

	"github.com/sluicehq/sluice/internal/types"
)

// Constants of the reference generator (GeneratorConfig, PersonGenerator,
// AuctionGenerator, BidGenerator, NexmarkConfiguration defaults).
const (
	firstAuctionID  = 1000
	firstPersonID   = 1000
	firstCategoryID = 10
	firstEventID    = 1 // the Flink table source's firstEventId
	firstEventNum   = 1 // and firstEventNumber

	personIDLead        = 10
	auctionIDLead       = 10
	hotSellerRatio      = 100
	hotAuctionRatio     = 100
	hotBidderRatio      = 100
	hotChannelsRatio    = 2
	numCategories       = 5
	numActivePeople     = 1000
	numInFlightAuctions = 100
)

// Event kinds, the values of event_type.
const (
	kindPerson  = 0
	kindAuction = 1
	kindBid     = 2
)

// genConfig is the generator's configuration, resolved from the options.
type genConfig struct {
	personProp, auctionProp, bidProp, totalProp int64

	interEventDelayUs float64 // 1e6 / first-event.rate
	baseTime          int64   // event time of event number 0, epoch ms

	avgPersonSize, avgAuctionSize, avgBidSize int64

	hotAuctionRatio, hotBiddersRatio, hotSellersRatio int64
}

// timestamp is GeneratorConfig.timestampForEvent: the event time (epoch ms)
// of event number e.
func (c *genConfig) timestamp(e int64) int64 {
	return c.baseTime + int64(float64(e)*c.interEventDelayUs)/1000
}

// kindOf returns the kind of the event with the given id.
func (c *genConfig) kindOf(id int64) int64 {
	rem := id % c.totalProp
	switch {
	case rem < c.personProp:
		return kindPerson
	case rem < c.personProp+c.auctionProp:
		return kindAuction
	}
	return kindBid
}

// lastBase0PersonID is the id (base 0) of the last person generated at or
// before event id.
func (c *genConfig) lastBase0PersonID(id int64) int64 {
	epoch, offset := id/c.totalProp, id%c.totalProp
	if offset >= c.personProp {
		offset = c.personProp - 1
	}
	return epoch*c.personProp + offset
}

// lastBase0AuctionID is the id (base 0) of the last auction generated at or
// before event id.
func (c *genConfig) lastBase0AuctionID(id int64) int64 {
	epoch, offset := id/c.totalProp, id%c.totalProp
	switch {
	case offset < c.personProp:
		epoch--
		offset = c.auctionProp - 1
	case offset >= c.personProp+c.auctionProp:
		offset = c.auctionProp - 1
	default:
		offset -= c.personProp
	}
	return epoch*c.auctionProp + offset
}

// nextBase0PersonID picks one of the active people, plus a few not yet born.
func (c *genConfig) nextBase0PersonID(id int64, r *rng) int64 {
	numPeople := c.lastBase0PersonID(id) + 1
	active := min(numPeople, numActivePeople)
	return numPeople - active + r.intn(active+personIDLead)
}

// nextBase0AuctionID picks one of the auctions likely still in flight, plus
// a few not yet opened.
func (c *genConfig) nextBase0AuctionID(id int64, r *rng) int64 {
	maxA := c.lastBase0AuctionID(id)
	minA := max(maxA-numInFlightAuctions, 0)
	return minA + r.intn(maxA-minA+1+auctionIDLead)
}

// auctionLengthMs is AuctionGenerator.nextAuctionLengthMs: on average the
// time until numInFlightAuctions more auctions have been generated.
func (c *genConfig) auctionLengthMs(e int64, r *rng, ts int64) int64 {
	numEventsForAuctions := numInFlightAuctions * c.totalProp / c.auctionProp
	horizon := c.timestamp(e+numEventsForAuctions) - ts
	return 1 + r.intn(max(horizon*2, 1))
}

// price is PriceGenerator.nextPrice: log-uniform in [100, 10^8].
func price(r *rng) int64 {
	return int64(pow10(r.float()*6)*100 + 0.5)
}

// exp2Frac[j] = 2^(j/256); pow2Int[k] = 2^k.
var exp2Frac, pow2Int = func() (f [256]float64, p [64]float64) {
	for j := range f {
		f[j] = math.Exp2(float64(j) / 256)
	}
	for k := range p {
		p[k] = math.Ldexp(1, k)
	}
	return
}()

// pow10 returns 10^x for x in [0, 18] with a relative error below 1e-12,
// about ten times faster than math.Pow, which otherwise takes half of the
// generator's time: 10^x = 2^k · 2^(j/256) · 2^d with d < 1/256, the last
// factor by its Taylor series.
func pow10(x float64) float64 {
	y := x * (math.Log2E * math.Ln10 * 256) // x·log2(10)·256
	i := int(y)
	d := (y - float64(i)) * (math.Ln2 / 256)
	return pow2Int[i>>8] * exp2Frac[i&255] * (1 + d*(1+d*(0.5+d*(1.0/6+d/24))))
}

// Nested field ids; a plan lists them in the declared order of the ROW.
const (
	fID = iota
	fName
	fEmail
	fCreditCard
	fCity
	fState
	fDateTime
	fExtra
	fItemName
	fDescription
	fInitialBid
	fReserve
	fExpires
	fSeller
	fCategory
	fAuction
	fBidder
	fPrice
	fChannel
	fURL
)

// Top-level columns.
const (
	colEventType = iota
	colPerson
	colAuction
	colBid
)

// plan says what to build: the emitted columns in order, and for each
// nested ROW the fields it declares, in order.
type plan struct {
	cols                 []int8
	person, auction, bid []int8
	needPerson, needAuct bool
	needBid              bool
}

// generator builds events into batches. It is used by one goroutine.
type generator struct {
	cfg  *genConfig
	t    *tables
	plan *plan
	box  rowBoxer
}

// emit appends event n (0-based, global) to b.
func (g *generator) emit(b *types.Batch, n int64) {
	e := n + firstEventNum
	id := e + firstEventID
	kind := g.cfg.kindOf(id)
	row := b.Alloc(len(g.plan.cols))
	for i, c := range g.plan.cols {
		switch c {
		case colEventType:
			row[i] = types.Value{K: types.KindInt, I: kind}
		case colPerson:
			if kind == kindPerson {
				row[i] = g.person(b, id, e)
			}
		case colAuction:
			if kind == kindAuction {
				row[i] = g.auction(b, id, e)
			}
		case colBid:
			if kind == kindBid {
				row[i] = g.bid(b, id, e)
			}
		}
	}
	b.Append(types.Insert, row)
}

func intV(i int64) types.Value  { return types.Value{K: types.KindInt, I: i} }
func strV(s string) types.Value { return types.Value{K: types.KindString, S: s} }
func tsV(ms int64) types.Value  { return types.Value{K: types.KindInt, I: ms * 1_000_000} }

// person is PersonGenerator.nextPerson.
func (g *generator) person(b *types.Batch, id, e int64) types.Value {
	c, t := g.cfg, g.t
	r := seeded(id)
	ts := c.timestamp(e)
	pid := c.lastBase0PersonID(id) + firstPersonID
	name := t.names[r.intn(int64(len(firstNames)))*int64(len(lastNames))+r.intn(int64(len(lastNames)))]
	email := t.emails[r.intn(numEmails)]
	card := t.nextCard(&r)
	city := usCities[r.intn(int64(len(usCities)))]
	state := usStates[r.intn(int64(len(usStates)))]
	size := int64(8 + len(name) + len(email) + len(card) + len(city) + len(state))
	extra := t.nextExtra(&r, size, c.avgPersonSize)
	fs := b.Alloc(len(g.plan.person))
	for i, f := range g.plan.person {
		switch f {
		case fID:
			fs[i] = intV(pid)
		case fName:
			fs[i] = strV(name)
		case fEmail:
			fs[i] = strV(email)
		case fCreditCard:
			fs[i] = strV(card)
		case fCity:
			fs[i] = strV(city)
		case fState:
			fs[i] = strV(state)
		case fDateTime:
			fs[i] = tsV(ts)
		case fExtra:
			fs[i] = strV(extra)
		}
	}
	return g.box.row(fs)
}

// auction is AuctionGenerator.nextAuction.
func (g *generator) auction(b *types.Batch, id, e int64) types.Value {
	c, t := g.cfg, g.t
	r := seeded(id)
	ts := c.timestamp(e)
	aid := c.lastBase0AuctionID(id) + firstAuctionID
	var seller int64
	if r.intn(c.hotSellersRatio) > 0 {
		seller = c.lastBase0PersonID(id) / hotSellerRatio * hotSellerRatio
	} else {
		seller = c.nextBase0PersonID(id, &r)
	}
	seller += firstPersonID
	category := firstCategoryID + r.intn(numCategories)
	initialBid := price(&r)
	expires := ts + c.auctionLengthMs(e, &r, ts)
	name := t.nextString(&r, 20)
	desc := t.nextString(&r, 100)
	reserve := initialBid + price(&r)
	size := int64(8 + len(name) + len(desc) + 8 + 8 + 8 + 8 + 8)
	extra := t.nextExtra(&r, size, c.avgAuctionSize)
	fs := b.Alloc(len(g.plan.auction))
	for i, f := range g.plan.auction {
		switch f {
		case fID:
			fs[i] = intV(aid)
		case fItemName:
			fs[i] = strV(name)
		case fDescription:
			fs[i] = strV(desc)
		case fInitialBid:
			fs[i] = intV(initialBid)
		case fReserve:
			fs[i] = intV(reserve)
		case fDateTime:
			fs[i] = tsV(ts)
		case fExpires:
			fs[i] = tsV(expires)
		case fSeller:
			fs[i] = intV(seller)
		case fCategory:
			fs[i] = intV(category)
		case fExtra:
			fs[i] = strV(extra)
		}
	}
	return g.box.row(fs)
}

// bid is BidGenerator.nextBid.
func (g *generator) bid(b *types.Batch, id, e int64) types.Value {
	c, t := g.cfg, g.t
	r := seeded(id)
	var auction int64
	if r.intn(c.hotAuctionRatio) > 0 {
		auction = c.lastBase0AuctionID(id) / hotAuctionRatio * hotAuctionRatio
	} else {
		auction = c.nextBase0AuctionID(id, &r)
	}
	auction += firstAuctionID
	var bidder int64
	if r.intn(c.hotBiddersRatio) > 0 {
		bidder = c.lastBase0PersonID(id)/hotBidderRatio*hotBidderRatio + 1
	} else {
		bidder = c.nextBase0PersonID(id, &r)
	}
	bidder += firstPersonID
	p := price(&r)
	var channel, url string
	if r.intn(hotChannelsRatio) > 0 {
		i := r.intn(int64(len(hotChannels)))
		channel, url = hotChannels[i], t.hotURLs[i]
	} else {
		i := r.intn(channelsNumber)
		channel, url = t.channels[i], t.urls[i]
	}
	bidder += firstPersonID // the reference adds it twice
	extra := t.nextExtra(&r, 8+8+8+8, c.avgBidSize)
	fs := b.Alloc(len(g.plan.bid))
	for i, f := range g.plan.bid {
		switch f {
		case fAuction:
			fs[i] = intV(auction)
		case fBidder:
			fs[i] = intV(bidder)
		case fPrice:
			fs[i] = intV(p)
		case fChannel:
			fs[i] = strV(channel)
		case fURL:
			fs[i] = strV(url)
		case fDateTime:
			fs[i] = tsV(c.timestamp(e))
		case fExtra:
			fs[i] = strV(extra)
		}
	}
	return g.box.row(fs)
}
