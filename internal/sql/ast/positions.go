package ast

// Positions of the helper nodes that are not expressions or statements, so
// errors can point at them.

func (n *When) Position() Pos       { return n.Pos }
func (n *CTE) Position() Pos        { return n.Pos }
func (n *Ident) Position() Pos      { return n.Pos }
func (n *SelectItem) Position() Pos { return n.Pos }
func (n *OrderItem) Position() Pos  { return n.Pos }
