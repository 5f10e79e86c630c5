package functions

import (
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/internal/types"
)

// simple declares an ordinary function: argument kinds, a result-type rule
// and a per-arity implementation, with NULL in → NULL out applied around
// the implementation. Numeric arguments of kind kNum are converted to DOUBLE
// before the implementation sees them; kDec keeps exact numerics as they are.

type argKind uint8

const (
	kStr   argKind = iota // CHAR/VARCHAR
	kInt                  // any integer (Value.I)
	kNum                  // any numeric, converted to DOUBLE
	kAny                  // anything
	kBool                 // BOOLEAN
	kBytes                // BINARY/VARBINARY
	kStrB                 // string or bytes
	kTime                 // TIMESTAMP, TIMESTAMP_LTZ or DATE
	kSym                  // a Symbol keyword
)

func (k argKind) accepts(a Arg) bool {
	t := a.Type
	if k == kSym {
		return a.Symbol != ""
	}
	if k == kAny {
		return true
	}
	if a.Symbol != "" {
		return false
	}
	if t.ID == types.Null {
		return true
	}
	switch k {
	case kStr:
		return t.IsString()
	case kInt:
		return t.IsInteger()
	case kNum:
		return t.IsNumeric()
	case kBool:
		return t.ID == types.Boolean
	case kBytes:
		return t.IsBinary()
	case kStrB:
		return t.IsString() || t.IsBinary()
	case kTime:
		return t.IsTimestamp() || t.ID == types.Date
	}
	return true
}

var kindNames = [...]string{"STRING", "INTEGER", "NUMERIC", "ANY", "BOOLEAN", "BYTES", "STRING|BYTES", "TIMESTAMP|DATE", "SYMBOL"}

type simple struct {
	name string
	args []argKind // required argument kinds
	opt  []argKind // optional trailing argument kinds
	rest argKind   // with variadic: kind of any further arguments
	// variadic allows any number of rest arguments after args and opt.
	variadic bool
	// ret gives the result type; nullability is then set from the
	// arguments unless keepNull.
	ret      func(args []Arg) (types.Type, error)
	keepNull bool
	// nullOK: the implementation receives NULLs itself.
	nullOK  bool
	nondet  bool
	f0      func() types.Value
	f1      func(a types.Value) types.Value
	f2      func(a, b types.Value) types.Value
	f3      func(a, b, c types.Value) types.Value
	fn      func(vs []types.Value) types.Value
	compile func(args []Arg, ret types.Type) (Eval, error)
}

func (s simple) signature() string {
	var parts []string
	for _, k := range s.args {
		parts = append(parts, kindNames[k])
	}
	for _, k := range s.opt {
		parts = append(parts, "["+kindNames[k]+"]")
	}
	if s.variadic {
		parts = append(parts, kindNames[s.rest]+"...")
	}
	return s.name + "(" + strings.Join(parts, ", ") + ")"
}

func (s simple) check(args []Arg) error {
	n := len(args)
	if n < len(s.args) || (!s.variadic && n > len(s.args)+len(s.opt)) {
		return fmt.Errorf("invalid number of arguments to %s: got %d, expected %s", s.name, n, s.signature())
	}
	for i, a := range args {
		var k argKind
		switch {
		case i < len(s.args):
			k = s.args[i]
		case i < len(s.args)+len(s.opt):
			k = s.opt[i-len(s.args)]
		default:
			k = s.rest
		}
		if !k.accepts(a) {
			return fmt.Errorf("invalid argument types for %s: got (%s), expected %s", s.name, typeList(args), s.signature())
		}
	}
	return nil
}

func (s simple) toFunc() *Func {
	sig := s.signature()
	return &Func{
		Name:             s.name,
		Signatures:       []string{sig},
		NonDeterministic: s.nondet,
		Infer: func(args []Arg) (types.Type, error) {
			if err := s.check(args); err != nil {
				return types.Type{}, err
			}
			t, err := s.ret(args)
			if err != nil || s.keepNull {
				return t, err
			}
			return withNull(t, anyNullable(args) || t.Nullable), nil
		},
		Compile: func(args []Arg, ret types.Type) (Eval, error) {
			if s.compile != nil {
				return s.compile(args, ret)
			}
			evs := make([]Eval, len(args))
			for i, a := range args {
				evs[i] = a.Eval
				if i < len(s.args) && s.args[i] == kNum || i >= len(s.args) && i < len(s.args)+len(s.opt) && s.opt[i-len(s.args)] == kNum {
					e, err := coerce(a, types.DoubleType)
					if err != nil {
						return nil, err
					}
					evs[i] = e
				}
				if a.Type.ID == types.Null && !s.nullOK {
					return constNull, nil
				}
			}
			return s.eval(evs), nil
		},
	}
}

func (s simple) eval(evs []Eval) Eval {
	nullOK := s.nullOK
	switch {
	case len(evs) == 0 && s.f0 != nil:
		f := s.f0
		return func(types.Row) types.Value { return f() }
	case len(evs) == 1 && s.f1 != nil:
		f, x := s.f1, evs[0]
		return func(r types.Row) types.Value {
			a := x(r)
			if a.K == types.KindNull && !nullOK {
				return a
			}
			return f(a)
		}
	case len(evs) == 2 && s.f2 != nil:
		f, x, y := s.f2, evs[0], evs[1]
		return func(r types.Row) types.Value {
			a := x(r)
			if a.K == types.KindNull && !nullOK {
				return a
			}
			b := y(r)
			if b.K == types.KindNull && !nullOK {
				return b
			}
			return f(a, b)
		}
	case len(evs) == 3 && s.f3 != nil:
		f, x, y, z := s.f3, evs[0], evs[1], evs[2]
		return func(r types.Row) types.Value {
			a := x(r)
			if a.K == types.KindNull && !nullOK {
				return a
			}
			b := y(r)
			if b.K == types.KindNull && !nullOK {
				return b
			}
			c := z(r)
			if c.K == types.KindNull && !nullOK {
				return c
			}
			return f(a, b, c)
		}
	}
	f := s.fn
	if f == nil {
		name := s.name
		return func(types.Row) types.Value {
			Fail(name, "no implementation for %d arguments", len(evs))
			return types.Value{}
		}
	}
	return func(r types.Row) types.Value {
		vs := make([]types.Value, len(evs))
		for i, e := range evs {
			vs[i] = e(r)
			if vs[i].K == types.KindNull && !nullOK {
				return types.Value{}
			}
		}
		return f(vs)
	}
}

func ret(t types.Type) func([]Arg) (types.Type, error) {
	return func([]Arg) (types.Type, error) { return t, nil }
}

func retArg0(args []Arg) (types.Type, error) {
	if args[0].Type.ID == types.Null {
		return types.StringType, nil
	}
	return plain(args[0].Type), nil
}

var (
	retString = ret(types.StringType)
	retInt    = ret(types.IntType)
	retBigInt = ret(types.BigIntType)
	retDouble = ret(types.DoubleType)
	retBool   = ret(types.BooleanType)
)

func str(s string) types.Value { return types.Value{K: types.KindString, S: s} }
func i64(i int64) types.Value  { return types.Value{K: types.KindInt, I: i} }
func f64(f float64) types.Value {
	return types.FloatValue(f)
}
