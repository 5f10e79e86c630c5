// Package nexmarkbench runs the Nexmark queries (internal/bench/nexmark/
// queries) on the built-in generator into a blackhole and measures them the
// way the reference suite does: events per second of wall-clock time, and
// events per second of CPU time actually used by the process (user +
// system), generator included. `sluice bench nexmark` is its CLI.
package nexmarkbench
