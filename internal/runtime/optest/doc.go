// Package optest is the shared test support of the runtime operator
// packages (join, rank, temporal, window, lookup). It is imported only by
// their _test.go files; nothing in the engine depends on it.
//
// Start with [Open]: it opens an operator on a state backend with an
// [operator.Context] whose processing time the test sets ([Harness.Now]),
// and records what the operator emits as text lines in an [Output] (usually
// [Lines]). A test then drives the operator:
//
//	h := optest.Open(t, op, optest.NewLines(x.Schema()), optest.Options{State: be.New(t)})
//	h.Send(0, 5, types.Insert, row)  // one batch on input 0, sender's watermark 5 ms
//	h.WM(10)                          // the operator's watermark, 10 ms
//	h.Expect("+I[a, 1, 3]", "WM 10")
//
// Conventions kept by every helper:
//   - times in a test are integer milliseconds ([Ms] nanoseconds each);
//     a watermark or input watermark of -1 ms means "none" for input
//     watermarks ([operator.NoWatermark]) and "end of time" for operator
//     watermarks ([operator.EndOfTime]);
//   - a row is rendered as the print connector renders it, except that
//     timestamps are integer milliseconds ([FormatRow]); a watermark is
//     "WM <ms>" or "WM end" ([WatermarkLine]).
//
// State backends: [Backends] and [ForBackends] run a test on the heap and
// the Pebble backend; [RestoreBackends] hand a new operator instance the
// state of the previous one (a heap snapshot restored as subtask 1 of 2, a
// byte backend reopened, a Pebble checkpoint restored into a new DB), and
// [Run] drives an operator that is restarted from its state on request.
//
// Domain helpers (row builders, plan builders, event generators) stay in
// the operator packages.
package optest
