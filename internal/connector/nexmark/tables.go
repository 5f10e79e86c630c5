package nexmark

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"sync"
)

// The strings of generated events are never built per event: each is a
// substring of one of the buffers below or an entry of a pre-built table,
// made once per process from a fixed seed (so they are the same every run).

const (
	minStringLength = 3       // StringsGenerator.MIN_STRING_LENGTH
	textBufLen      = 1 << 20 // random text for names and descriptions
	numEmails       = 1 << 14
	numCardGroups   = 1 << 16
	channelsNumber  = 10_000 // BidGenerator.CHANNELS_NUMBER
)

var (
	usStates    = []string{"AZ", "CA", "ID", "OR", "WA", "WY"}
	usCities    = []string{"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"}
	firstNames  = []string{"Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"}
	lastNames   = []string{"Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"}
	hotChannels = []string{"Google", "Facebook", "Baidu", "Apple"}
)

// tables holds the pre-generated strings.
type tables struct {
	text     string   // 'a'..'z' with a space 1 time in 13 (StringsGenerator.nextString)
	letters  string   // 'a'..'z' only (StringsGenerator.nextExactString), for 'extra'
	names    []string // "First Last"
	emails   []string // nextString(7) "@" nextString(5) ".com"
	cards    string   // "dddd dddd dddd ...": a card is 19 bytes from a multiple of 5
	hotURLs  []string
	channels []string // "channel-<i>"
	urls     []string // URL of channel i
}

var (
	defaultTablesOnce sync.Once
	defaultTables     *tables
)

// tablesFor returns tables whose letter buffer holds extras of up to
// maxExtra bytes: the shared default, or a private larger one.
func tablesFor(maxExtra int) *tables {
	defaultTablesOnce.Do(func() { defaultTables = buildTables(textBufLen) })
	if maxExtra*4 <= len(defaultTables.letters) {
		return defaultTables
	}
	t := *defaultTables
	t.letters = letterBuf(rng{s: 7}, maxExtra*4)
	return &t
}

func letterBuf(r rng, n int) string {
	var sb strings.Builder
	sb.Grow(n)
	for i := 0; i < n; i++ {
		sb.WriteByte(byte('a' + r.intn(26)))
	}
	return sb.String()
}

// nextStringSlow is the reference's nextString, used to build tables.
func nextStringSlow(r *rng, maxLength int, special byte) string {
	n := minStringLength + int(r.intn(int64(maxLength-minStringLength)))
	b := make([]byte, n)
	for i := range b {
		if r.intn(13) == 0 {
			b[i] = special
		} else {
			b[i] = byte('a' + r.intn(26))
		}
	}
	return strings.TrimSpace(string(b))
}

func baseURL(r *rng) string {
	return "https://www.nexmark.com/" + nextStringSlow(r, 5, '_') + "/" + nextStringSlow(r, 5, '_') + "/" +
		nextStringSlow(r, 5, '_') + "/item.htm?query=1"
}

func buildTables(textLen int) *tables {
	r := rng{s: 0x5EED}
	t := &tables{}
	var sb strings.Builder
	sb.Grow(textLen)
	for i := 0; i < textLen; i++ {
		if r.intn(13) == 0 {
			sb.WriteByte(' ')
		} else {
			sb.WriteByte(byte('a' + r.intn(26)))
		}
	}
	t.text = sb.String()
	t.letters = letterBuf(r, textLen)
	for _, f := range firstNames {
		for _, l := range lastNames {
			t.names = append(t.names, f+" "+l)
		}
	}
	t.emails = make([]string, numEmails)
	for i := range t.emails {
		t.emails[i] = nextStringSlow(&r, 7, ' ') + "@" + nextStringSlow(&r, 5, ' ') + ".com"
	}
	sb.Reset()
	sb.Grow(numCardGroups * 5)
	for i := 0; i < numCardGroups; i++ {
		fmt.Fprintf(&sb, "%04d ", r.intn(10000))
	}
	t.cards = sb.String()
	for range hotChannels {
		t.hotURLs = append(t.hotURLs, baseURL(&r))
	}
	t.channels = make([]string, channelsNumber)
	t.urls = make([]string, channelsNumber)
	for i := range t.channels {
		t.channels[i] = "channel-" + strconv.Itoa(i)
		u := baseURL(&r)
		if r.intn(10) > 0 {
			// Java: Math.abs(Integer.reverse(channelNumber)); abs keeps MIN_VALUE.
			rev := int32(bits.Reverse32(uint32(i)))
			if rev < 0 {
				rev = -rev
			}
			u += "&channel_id=" + strconv.Itoa(int(rev))
		}
		t.urls[i] = u
	}
	return t
}

// nextString is StringsGenerator.nextString(maxLength): 3 to maxLength-1
// characters of text, trimmed — as a substring of the text buffer.
func (t *tables) nextString(r *rng, maxLength int64) string {
	n := minStringLength + r.intn(maxLength-minStringLength)
	start := r.intn(int64(len(t.text)) - n)
	s := t.text[start : start+n]
	for len(s) > 0 && s[0] == ' ' {
		s = s[1:]
	}
	for len(s) > 0 && s[len(s)-1] == ' ' {
		s = s[:len(s)-1]
	}
	return s
}

// nextExtra is StringsGenerator.nextExtra: letters so that currentSize plus
// the extra's length is on average desiredAverageSize.
func (t *tables) nextExtra(r *rng, currentSize, desiredAverageSize int64) string {
	if currentSize > desiredAverageSize {
		return ""
	}
	desiredAverageSize -= currentSize
	delta := (desiredAverageSize*2 + 5) / 10 // Math.round(x * 0.2)
	size := desiredAverageSize - delta
	if delta != 0 {
		size += r.intn(2 * delta)
	}
	start := r.intn(int64(len(t.letters)) - size + 1)
	return t.letters[start : start+size]
}

// nextCard is a credit card number "dddd dddd dddd dddd".
func (t *tables) nextCard(r *rng) string {
	g := r.intn(numCardGroups - 4)
	return t.cards[g*5 : g*5+19]
}
