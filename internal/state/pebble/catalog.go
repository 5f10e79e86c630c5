package pebble

import (
	"encoding/binary"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// catalog maps an operator's store names to the 2-byte ids in its keys. It
// is shared by the operator's instances in the DB and persisted under the
// operator's metadata key group, so a checkpoint carries it.
type catalog struct {
	ids  map[string]uint16
	next uint16
}

// catalogLocked loads the catalog of uid once; d.mu is held.
func (d *DB) catalogLocked(uid uint64) (*catalog, error) {
	if c := d.catalogs[uid]; c != nil {
		return c, nil
	}
	c, err := readCatalog(d.db, uid)
	if err != nil {
		return nil, err
	}
	d.catalogs[uid] = c
	return c, nil
}

type reader interface {
	NewIter(*pebble.IterOptions) (*pebble.Iterator, error)
}

func readCatalog(r reader, uid uint64) (*catalog, error) {
	c := &catalog{ids: map[string]uint16{}, next: 1}
	lo := appendMeta(nil, uid, metaCatalog)
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: succ(lo)})
	if err != nil {
		return nil, err
	}
	for it.First(); it.Valid(); it.Next() {
		id := binary.BigEndian.Uint16(it.Value())
		c.ids[string(it.Key()[len(lo):])] = id
		c.next = max(c.next, id+1)
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("pebble state: reading the store catalog of %016x: %w", uid, err)
	}
	return c, nil
}

// storeID returns the id of store name of operator uid, assigning and
// persisting a new one for a new name.
func (d *DB) storeID(uid uint64, name string) (uint16, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c, err := d.catalogLocked(uid)
	if err != nil {
		return 0, err
	}
	if id, ok := c.ids[name]; ok {
		return id, nil
	}
	if c.next == 0 {
		return 0, fmt.Errorf("pebble state: operator %016x has too many stores", uid)
	}
	id := c.next
	k := append(appendMeta(nil, uid, metaCatalog), name...)
	if err := d.db.Set(k, binary.BigEndian.AppendUint16(nil, id), pebble.NoSync); err != nil {
		return 0, fmt.Errorf("pebble state: %w", err)
	}
	c.ids[name] = id
	c.next++
	return id, nil
}
