package plan

import "fmt"

// Upsert reports whether x reads an upsert source
// (connector.Factory.Upsert): the planner follows it with a
// ChangelogNormalize keyed on the table's primary key.
func (x *Scan) Upsert() bool {
	return x.Table.Connector.ProducesUpserts(x.Table.Resolved)
}

// UpsertKeys returns the positions of the primary key columns in the
// output of n, a scan of an upsert table, or the columns computed over one
// under a watermark assigner, where the ChangelogNormalize after the
// source keys on them; ok is false when n reads no upsert table, and err
// says why a plan that does cannot be normalised.
func UpsertKeys(n Node) (keys []int, scan *Scan, ok bool, err error) {
	switch x := n.(type) {
	case *Scan:
		if !x.Upsert() {
			return nil, nil, false, nil
		}
		for _, pk := range x.Table.Resolved.PrimaryKey {
			at := -1
			for i, c := range x.Projection {
				if c == pk {
					at = i
				}
			}
			if at < 0 {
				return nil, nil, false, fmt.Errorf("internal: the scan of upsert table '%s' does not read its primary key column %d", x.Table.Name, pk)
			}
			keys = append(keys, at)
		}
		return keys, x, true, nil
	case *Project:
		in, s, ok, err := UpsertKeys(x.Input)
		if !ok || err != nil {
			return nil, nil, ok, err
		}
		for _, k := range in {
			at := -1
			for i, e := range x.Exprs {
				if c, isRef := e.(*ColumnRef); isRef && c.Index == k {
					at = i
					break
				}
			}
			if at < 0 {
				return nil, nil, false, fmt.Errorf("table '%s': the columns computed before its watermark drop primary key column '%s', which the upsert source's normalisation needs",
					s.Table.Name, x.Input.Schema().Fields[k].Name)
			}
			keys = append(keys, at)
		}
		return keys, s, true, nil
	}
	for _, in := range n.Inputs() {
		if _, s, ok, _ := UpsertKeys(in); ok {
			return nil, nil, false, fmt.Errorf("table '%s': %s between the upsert source and its watermark is not supported; it would see the source's upsert stream before normalisation",
				s.Table.Name, n.Describe())
		}
	}
	return nil, nil, false, nil
}
