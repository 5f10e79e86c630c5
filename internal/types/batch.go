package types

// RowKind is the changelog kind of a row, as in Flink.
type RowKind uint8

const (
	Insert       RowKind = iota // +I
	UpdateBefore                // -U
	UpdateAfter                 // +U
	Delete                      // -D
)

var rowKindShort = [...]string{"+I", "-U", "+U", "-D"}

// String returns Flink's short form: +I, -U, +U, -D.
func (k RowKind) String() string { return rowKindShort[k&3] }

// IsRetract reports whether the row removes a previous row (-U or -D).
func (k RowKind) IsRetract() bool { return k == UpdateBefore || k == Delete }

// Row is the values of one row, in schema order.
type Row []Value

// Equal reports whether two rows have the same width and equal values
// (Equal, so NULL equals NULL: the rows are the same change).
func (r Row) Equal(o Row) bool {
	if len(r) != len(o) {
		return false
	}
	for i := range r {
		if !Equal(r[i], o[i]) {
			return false
		}
	}
	return true
}

// HasNull reports whether any value of the row is NULL.
func (r Row) HasNull() bool {
	for _, v := range r {
		if v.IsNull() {
			return true
		}
	}
	return false
}

// Clone copies the row so it can be kept after the batch holding it is
// reused. Strings, arrays and maps are immutable and shared; nested ROW
// values are copied, because a source may carve them from its batch's arena
// (see Batch.Alloc).
func (r Row) Clone() Row {
	c := make(Row, len(r))
	copy(c, r)
	for i := range c {
		if c[i].K == KindRow {
			c[i] = CopyRowValue(c[i])
		}
	}
	return c
}

// CopyRowValue deep-copies a ROW value's fields (recursively for nested
// ROWs), detaching it from any batch arena.
func CopyRowValue(v Value) Value {
	fs := v.Fields()
	c := make([]Value, len(fs))
	copy(c, fs)
	for i := range c {
		if c[i].K == KindRow {
			c[i] = CopyRowValue(c[i])
		}
	}
	return RowValue(c)
}

// Batch is a group of rows moving between operators. Rows[i] has changelog
// kind Kinds[i]. Rows may share one backing array (see Alloc), so a consumer
// that keeps a row past Process must Clone it.
type Batch struct {
	Rows  []Row
	Kinds []RowKind

	arena []Value // backing store handed out by Alloc
}

// NewBatch returns an empty batch with room for n rows.
func NewBatch(n int) *Batch {
	return &Batch{Rows: make([]Row, 0, n), Kinds: make([]RowKind, 0, n)}
}

// Len is the number of rows.
func (b *Batch) Len() int { return len(b.Rows) }

// Reset empties the batch, keeping its memory for reuse.
func (b *Batch) Reset() {
	clear(b.Rows) // drop references so payloads can be collected
	b.Rows = b.Rows[:0]
	b.Kinds = b.Kinds[:0]
	clear(b.arena)
	b.arena = b.arena[:0]
}

// Alloc returns a zeroed row of width n carved from the batch's arena, so
// filling a batch does not allocate per row once the batch is warm. The row
// is valid until Reset.
func (b *Batch) Alloc(n int) Row {
	if len(b.arena)+n > cap(b.arena) {
		// Start a new arena; rows already handed out keep the old one alive.
		size := 2 * cap(b.arena)
		if size < 64*n {
			size = 64 * n
		}
		b.arena = make([]Value, 0, size)
	}
	start := len(b.arena)
	b.arena = b.arena[:start+n]
	return Row(b.arena[start : start+n : start+n])
}

// Append adds a row with the given kind. The batch takes the row as is (no
// copy).
func (b *Batch) Append(k RowKind, r Row) {
	b.Rows = append(b.Rows, r)
	b.Kinds = append(b.Kinds, k)
}

// AppendCopy adds a copy of r allocated from the batch's arena. Nested ROW
// values are copied too (see Row.Clone).
func (b *Batch) AppendCopy(k RowKind, r Row) {
	c := b.Alloc(len(r))
	copy(c, r)
	for i := range c {
		if c[i].K == KindRow {
			c[i] = CopyRowValue(c[i])
		}
	}
	b.Append(k, c)
}
