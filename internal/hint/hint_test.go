package hint

import "testing"

func TestClosest(t *testing.T) {
	names := []string{"auction", "bidder", "price", "dateTime", "extra"}
	for in, want := range map[string]string{"aution": "auction", "PRICE": "price", "datetime": "dateTime", "bider": "bidder"} {
		got := Closest(in, names)
		if len(got) == 0 || got[0] != want {
			t.Errorf("Closest(%q) = %v, want %s first", in, got, want)
		}
	}
	if got := Closest("zzzzzz", names); got != nil {
		t.Errorf("Closest(zzzzzz) = %v, want nothing", got)
	}
	if got := DidYouMean("prise", names); got != "; did you mean 'price'?" {
		t.Errorf("DidYouMean = %q", got)
	}
}
