// Package saberbench is the Saber joiner benchmark (`sluice bench saber`):
// a display stream and a click stream, generated at given rates in event
// time, joined with a window LEFT JOIN (display LEFT JOIN click on the
// display id, in tumbling event-time windows, emitted when a window ends)
// into a counting sink.
//
// The generator (gen.go) is a connector registered only in the benchmark's
// registry ('saber-gen'). Display i of the run has event time
// base + i/displays-per-second; a fixed fraction of displays
// (clicks-per-second / displays-per-second, chosen by a hash of i) get one
// click, a little later (up to 'max-click-delay') but inside the display's
// window, so every click joins its display. Both streams are split by
// display index across the source tasks and are deterministic, so the
// expected output is known: one row per display, clicks of them matched.
// Paced streams follow the wall clock (display i is due at start +
// i/rate); unpaced ones run as fast as the job takes them.
//
// The sink (sink.go, 'saber-sink') counts rows and matched rows and, when
// paced, measures each row's emit delay after the wall-clock time of its
// window's end. bench.go runs the script, samples throughput, resident
// memory (/proc/self/status) and the Pebble directory's size each second,
// and reports.
package saberbench
