package nexmark

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sluicehq/sluice/internal/types"
)

// fieldKind is the type family a nested field must be declared with.
type fieldKind uint8

const (
	fkBigInt fieldKind = iota
	fkString
	fkTimestamp
)

type fieldDef struct {
	name string
	id   int8
	kind fieldKind
}

// The nested ROWs of ddl_gen.sql, in the reference's order.
var (
	personFields = []fieldDef{
		{"id", fID, fkBigInt}, {"name", fName, fkString}, {"emailAddress", fEmail, fkString},
		{"creditCard", fCreditCard, fkString}, {"city", fCity, fkString}, {"state", fState, fkString},
		{"dateTime", fDateTime, fkTimestamp}, {"extra", fExtra, fkString},
	}
	auctionFields = []fieldDef{
		{"id", fID, fkBigInt}, {"itemName", fItemName, fkString}, {"description", fDescription, fkString},
		{"initialBid", fInitialBid, fkBigInt}, {"reserve", fReserve, fkBigInt},
		{"dateTime", fDateTime, fkTimestamp}, {"expires", fExpires, fkTimestamp},
		{"seller", fSeller, fkBigInt}, {"category", fCategory, fkBigInt}, {"extra", fExtra, fkString},
	}
	bidFields = []fieldDef{
		{"auction", fAuction, fkBigInt}, {"bidder", fBidder, fkBigInt}, {"price", fPrice, fkBigInt},
		{"channel", fChannel, fkString}, {"url", fURL, fkString},
		{"dateTime", fDateTime, fkTimestamp}, {"extra", fExtra, fkString},
	}
)

func (k fieldKind) typ() types.Type {
	switch k {
	case fkBigInt:
		return types.BigIntType
	case fkString:
		return types.StringType
	}
	return types.TimestampType(3)
}

func (k fieldKind) accepts(t types.Type) bool {
	switch k {
	case fkBigInt:
		return t.ID == types.BigInt
	case fkString:
		return t.IsString()
	}
	return t.ID == types.Timestamp
}

func rowType(defs []fieldDef) types.Type {
	fs := make([]types.Field, len(defs))
	for i, d := range defs {
		fs[i] = types.Field{Name: d.name, Type: d.kind.typ()}
	}
	return types.RowOf(fs...)
}

// Schema returns the physical columns of the reference's nexmark table
// (ddl_gen.sql): event_type INT and the ROWs person, auction and bid.
func Schema() types.Schema {
	return types.Schema{Fields: []types.Field{
		{Name: "event_type", Type: types.IntType},
		{Name: "person", Type: rowType(personFields)},
		{Name: "auction", Type: rowType(auctionFields)},
		{Name: "bid", Type: rowType(bidFields)},
	}}
}

var topColumns = map[string]int8{"event_type": colEventType, "person": colPerson, "auction": colAuction, "bid": colBid}

// buildPlan maps the declared schema and projection onto the generator.
func buildPlan(table string, schema types.Schema, projection []int) (*plan, error) {
	p := &plan{}
	for _, f := range schema.Fields {
		col, ok := lookupTop(f.Name)
		if !ok {
			return nil, fmt.Errorf("nexmark table '%s': unknown column '%s'; the nexmark connector provides event_type, person, auction and bid", table, f.Name)
		}
		var err error
		switch col {
		case colEventType:
			if !f.Type.IsInteger() {
				err = fmt.Errorf("nexmark table '%s': column event_type must be INT, is %s", table, f.Type)
			}
		case colPerson:
			p.person, err = nestedPlan(table, f, personFields)
		case colAuction:
			p.auction, err = nestedPlan(table, f, auctionFields)
		case colBid:
			p.bid, err = nestedPlan(table, f, bidFields)
		}
		if err != nil {
			return nil, err
		}
	}
	emit := projection
	if emit == nil {
		emit = make([]int, len(schema.Fields))
		for i := range emit {
			emit[i] = i
		}
	}
	for _, i := range emit {
		if i < 0 || i >= len(schema.Fields) {
			return nil, fmt.Errorf("nexmark table '%s': projection index %d out of range", table, i)
		}
		col, _ := lookupTop(schema.Fields[i].Name)
		p.cols = append(p.cols, col)
	}
	return p, nil
}

func lookupTop(name string) (int8, bool) {
	if c, ok := topColumns[name]; ok {
		return c, true
	}
	c, ok := topColumns[strings.ToLower(name)]
	return c, ok
}

func nestedPlan(table string, f types.Field, defs []fieldDef) ([]int8, error) {
	if f.Type.ID != types.RowType {
		return nil, fmt.Errorf("nexmark table '%s': column %s must be a ROW, is %s", table, f.Name, f.Type)
	}
	out := make([]int8, len(f.Type.Fields))
	for i, nf := range f.Type.Fields {
		var def *fieldDef
		for j := range defs {
			if strings.EqualFold(defs[j].name, nf.Name) {
				def = &defs[j]
				break
			}
		}
		if def == nil {
			names := make([]string, len(defs))
			for j, d := range defs {
				names[j] = d.name
			}
			return nil, fmt.Errorf("nexmark table '%s': unknown field %s.%s; %s has %s", table, f.Name, nf.Name, f.Name, strings.Join(names, ", "))
		}
		if !def.kind.accepts(nf.Type) {
			return nil, fmt.Errorf("nexmark table '%s': field %s.%s must be %s, is %s", table, f.Name, nf.Name, def.kind.typ(), nf.Type)
		}
		out[i] = def.id
	}
	return out, nil
}

// TableDDL returns the reference's CREATE TABLE for the nexmark source
// (ddl_gen.sql with the bid channel and url of the current reference),
// named table, with the given connector options ('connector' is added).
func TableDDL(table string, options map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `CREATE TABLE %s (
    event_type INT,
    person ROW<
        id  BIGINT,
        name  VARCHAR,
        emailAddress  VARCHAR,
        creditCard  VARCHAR,
        city  VARCHAR,
        state  VARCHAR,
        `+"`dateTime`"+` TIMESTAMP(3),
        extra  VARCHAR>,
    auction ROW<
        id  BIGINT,
        itemName  VARCHAR,
        description  VARCHAR,
        initialBid  BIGINT,
        reserve  BIGINT,
        `+"`dateTime`"+`  TIMESTAMP(3),
        expires  TIMESTAMP(3),
        seller  BIGINT,
        category  BIGINT,
        extra  VARCHAR>,
    bid ROW<
        auction  BIGINT,
        bidder  BIGINT,
        price  BIGINT,
        channel  VARCHAR,
        url  VARCHAR,
        `+"`dateTime`"+`  TIMESTAMP(3),
        extra  VARCHAR>,
    `+"`dateTime`"+` AS
        CASE
            WHEN event_type = 0 THEN person.`+"`dateTime`"+`
            WHEN event_type = 1 THEN auction.`+"`dateTime`"+`
            ELSE bid.`+"`dateTime`"+`
        END,
    WATERMARK FOR `+"`dateTime`"+` AS `+"`dateTime`"+` - INTERVAL '4' SECOND
) WITH (
    'connector' = 'nexmark'`, table)
	keys := make([]string, 0, len(options))
	for k := range options {
		if k != "connector" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, ",\n    '%s' = '%s'", k, strings.ReplaceAll(options[k], "'", "''"))
	}
	b.WriteString("\n);\n")
	return b.String()
}

// ViewsDDL returns the reference's ddl_views.sql — the views person, auction
// and bid that flatten the nexmark table — reading from table.
func ViewsDDL(table string) string {
	return strings.ReplaceAll(viewsTemplate, "${NEXMARK_TABLE}", table)
}

const viewsTemplate = `CREATE VIEW person AS
SELECT
    person.id,
    person.name,
    person.emailAddress,
    person.creditCard,
    person.city,
    person.state,
    ` + "`dateTime`" + `,
    person.extra
FROM ${NEXMARK_TABLE} WHERE event_type = 0;

CREATE VIEW auction AS
SELECT
    auction.id,
    auction.itemName,
    auction.description,
    auction.initialBid,
    auction.reserve,
    ` + "`dateTime`" + `,
    auction.expires,
    auction.seller,
    auction.category,
    auction.extra
FROM ${NEXMARK_TABLE} WHERE event_type = 1;

CREATE VIEW bid AS
SELECT
    bid.auction,
    bid.bidder,
    bid.price,
    bid.channel,
    bid.url,
    ` + "`dateTime`" + `,
    bid.extra
FROM ${NEXMARK_TABLE} WHERE event_type = 2;
`
