package functions

import (
	"fmt"
	"strconv"

	"github.com/sluicehq/sluice/internal/types"
)

// Constructors and accessors for ARRAY, MAP and ROW: ARRAY[...], MAP[...],
// ROW(...), ITEM (x[i]), FIELD (row.field), CARDINALITY, ELEMENT.

func collectionFuncs() []*Func {
	return []*Func{arrayCtor(), mapCtor(), rowCtor(), itemFunc(), fieldFunc(), cardinalityFunc(), elementFunc()}
}

func arrayCtor() *Func {
	return &Func{
		Name:       "ARRAY",
		Signatures: []string{"ARRAY[ANY, ...]"},
		Infer: func(args []Arg) (types.Type, error) {
			if len(args) == 0 {
				return types.Type{}, fmt.Errorf("ARRAY needs at least one element")
			}
			et, err := commonArgType("ARRAY", args)
			if err != nil {
				return et, err
			}
			return types.ArrayType(et).NotNull(), nil
		},
		Compile: func(args []Arg, ret types.Type) (Eval, error) {
			evs, err := coerceAll(args, *ret.Elem)
			if err != nil {
				return nil, err
			}
			return func(r types.Row) types.Value {
				out := make([]types.Value, len(evs))
				for i, e := range evs {
					out[i] = e(r)
				}
				return types.ArrayValue(out)
			}, nil
		},
	}
}

func mapCtor() *Func {
	split := func(args []Arg) (ks, vs []Arg) {
		for i := 0; i+1 < len(args); i += 2 {
			ks = append(ks, args[i])
			vs = append(vs, args[i+1])
		}
		return
	}
	return &Func{
		Name:       "MAP",
		Signatures: []string{"MAP[key, value, ...]"},
		Infer: func(args []Arg) (types.Type, error) {
			if len(args) == 0 || len(args)%2 != 0 {
				return types.Type{}, fmt.Errorf("MAP needs an even, non-zero number of arguments, got %d", len(args))
			}
			ks, vs := split(args)
			kt, err := commonArgType("MAP key", ks)
			if err != nil {
				return kt, err
			}
			vt, err := commonArgType("MAP value", vs)
			if err != nil {
				return vt, err
			}
			return types.MapType(kt, vt).NotNull(), nil
		},
		Compile: func(args []Arg, ret types.Type) (Eval, error) {
			ks, vs := split(args)
			kev, err := coerceAll(ks, *ret.Key)
			if err != nil {
				return nil, err
			}
			vev, err := coerceAll(vs, *ret.Elem)
			if err != nil {
				return nil, err
			}
			eq := equalFn(*ret.Key)
			return func(r types.Row) types.Value {
				keys := make([]types.Value, 0, len(kev))
				vals := make([]types.Value, 0, len(kev))
			next:
				for i := range kev {
					k, v := kev[i](r), vev[i](r)
					// A repeated key keeps its first position and the last value.
					for j := range keys {
						if keys[j].K == k.K && (k.K == types.KindNull || eq(keys[j], k)) {
							vals[j] = v
							continue next
						}
					}
					keys = append(keys, k)
					vals = append(vals, v)
				}
				return types.MapOf(keys, vals)
			}, nil
		},
	}
}

// rowCtor is ROW(a, b, ...); fields are named EXPR$0, EXPR$1, ... (the
// analyzer may rename them).
func rowCtor() *Func {
	return &Func{
		Name:       "ROW",
		Signatures: []string{"ROW(ANY, ...)"},
		Infer: func(args []Arg) (types.Type, error) {
			fs := make([]types.Field, len(args))
			for i, a := range args {
				fs[i] = types.Field{Name: "EXPR$" + strconv.Itoa(i), Type: a.Type}
			}
			return types.RowOf(fs...).NotNull(), nil
		},
		Compile: func(args []Arg, _ types.Type) (Eval, error) {
			evs := make([]Eval, len(args))
			for i, a := range args {
				evs[i] = a.Eval
			}
			return func(r types.Row) types.Value {
				out := make([]types.Value, len(evs))
				for i, e := range evs {
					out[i] = e(r)
				}
				return types.RowValue(out)
			}, nil
		},
	}
}

// itemFunc is x[i]: a 1-based array index (NULL when out of range, as
// Flink's generated code) or a map key (NULL when absent).
func itemFunc() *Func {
	return &Func{
		Name:       "ITEM",
		Signatures: []string{"ITEM(ARRAY, INT)", "ITEM(MAP, KEY)"},
		Infer: func(args []Arg) (types.Type, error) {
			if len(args) != 2 {
				return types.Type{}, fmt.Errorf("ITEM expects 2 arguments")
			}
			c, k := args[0].Type, args[1].Type
			switch {
			case c.ID == types.Array && (k.IsInteger() || k.ID == types.Null):
				return withNull(*c.Elem, true), nil
			case c.ID == types.Map:
				if _, ok := comparable2(*c.Key, k); !ok && k.ID != types.Null {
					return types.Type{}, fmt.Errorf("ITEM: key of type %s does not match %s", k, c)
				}
				return withNull(*c.Elem, true), nil
			}
			return types.Type{}, fmt.Errorf("cannot apply ITEM to (%s)", typeList(args))
		},
		Compile: func(args []Arg, _ types.Type) (Eval, error) {
			x := args[0].Eval
			if args[0].Type.ID == types.Array {
				i := args[1].Eval
				return func(r types.Row) types.Value {
					a, n := x(r), i(r)
					if a.K == types.KindNull || n.K == types.KindNull {
						return types.Value{}
					}
					arr := a.Array()
					if n.I < 1 || n.I > int64(len(arr)) {
						return types.Value{}
					}
					return arr[n.I-1]
				}, nil
			}
			kt := *args[0].Type.Key
			k, err := coerce(args[1], kt)
			if err != nil {
				return nil, err
			}
			eq := equalFn(kt)
			return func(r types.Row) types.Value {
				m, key := x(r), k(r)
				if m.K == types.KindNull || key.K == types.KindNull {
					return types.Value{}
				}
				mv := m.MapV()
				for j, kk := range mv.Keys {
					if kk.K != types.KindNull && eq(kk, key) {
						return mv.Values[j]
					}
				}
				return types.Value{}
			}, nil
		},
	}
}

// fieldFunc is FIELD(row, i): field i (0-based, an integer literal) of a
// ROW; NULL when the row is NULL.
func fieldFunc() *Func {
	index := func(args []Arg) (int, error) {
		if len(args) != 2 || args[0].Type.ID != types.RowType || args[1].Const == nil || !args[1].Type.IsInteger() {
			return 0, fmt.Errorf("FIELD expects (ROW, integer literal), got (%s)", typeList(args))
		}
		i := int(args[1].Const.I)
		if i < 0 || i >= len(args[0].Type.Fields) {
			return 0, fmt.Errorf("FIELD: index %d out of range for %s", i, args[0].Type)
		}
		return i, nil
	}
	return &Func{
		Name:       "FIELD",
		Signatures: []string{"FIELD(ROW, INT literal)"},
		Infer: func(args []Arg) (types.Type, error) {
			i, err := index(args)
			if err != nil {
				return types.Type{}, err
			}
			ft := args[0].Type.Fields[i].Type
			return withNull(ft, ft.Nullable || args[0].Type.Nullable), nil
		},
		Compile: func(args []Arg, _ types.Type) (Eval, error) {
			i, err := index(args)
			if err != nil {
				return nil, err
			}
			x := args[0].Eval
			return func(r types.Row) types.Value {
				v := x(r)
				if v.K == types.KindNull {
					return v
				}
				return v.Fields()[i]
			}, nil
		},
	}
}

func cardinalityFunc() *Func {
	return &Func{
		Name:       "CARDINALITY",
		Signatures: []string{"CARDINALITY(ARRAY)", "CARDINALITY(MAP)"},
		Infer: func(args []Arg) (types.Type, error) {
			if len(args) != 1 || (args[0].Type.ID != types.Array && args[0].Type.ID != types.Map && args[0].Type.ID != types.Multiset) {
				return types.Type{}, fmt.Errorf("CARDINALITY expects an ARRAY, MAP or MULTISET, got (%s)", typeList(args))
			}
			return types.IntType.WithNullable(args[0].Type.Nullable), nil
		},
		Compile: func(args []Arg, _ types.Type) (Eval, error) {
			x := args[0].Eval
			isMap := args[0].Type.ID == types.Map
			return func(r types.Row) types.Value {
				v := x(r)
				if v.K == types.KindNull {
					return v
				}
				if isMap {
					return types.IntValue(int64(len(v.MapV().Keys)))
				}
				return types.IntValue(int64(len(v.Array())))
			}, nil
		},
	}
}

// elementFunc is ELEMENT(array): the only element, NULL for an empty array,
// an error for more than one element (Flink).
func elementFunc() *Func {
	return &Func{
		Name:       "ELEMENT",
		Signatures: []string{"ELEMENT(ARRAY)"},
		Infer: func(args []Arg) (types.Type, error) {
			if len(args) != 1 || args[0].Type.ID != types.Array {
				return types.Type{}, fmt.Errorf("ELEMENT expects an ARRAY, got (%s)", typeList(args))
			}
			return withNull(*args[0].Type.Elem, true), nil
		},
		Compile: func(args []Arg, _ types.Type) (Eval, error) {
			x := args[0].Eval
			return func(r types.Row) types.Value {
				v := x(r)
				if v.K == types.KindNull {
					return v
				}
				switch a := v.Array(); len(a) {
				case 0:
					return types.Value{}
				case 1:
					return a[0]
				}
				Fail("ELEMENT", "array has more than one element")
				return types.Value{}
			}, nil
		},
	}
}
