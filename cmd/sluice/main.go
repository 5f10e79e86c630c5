// Command sluice runs streaming SQL jobs written in Flink's SQL dialect.
//
//	sluice run script.sql                      run a script until its jobs end (or Ctrl-C)
//	sluice bench nexmark --queries q0,q1 ...   measure Nexmark queries
//	sluice bench lookup --keys 1000000 ...     measure a lookup join against a private Redis
//	sluice bench saber --backend pebble ...    measure the Saber display/click window join
//	sluice bench groupby --keys 50000000 ...   measure a GROUP BY job on the hashmap or Pebble backend
//	sluice bench restart --state-size 1gb      measure a restart of a job with large state
//	sluice version
//
// main only wires flags, signals and the terminal to internal/engine, and
// the bench subcommands to their runners under internal/bench (lookup:
// internal/lookupit).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

const version = "0.1.0-dev"

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) == 0 {
		usage()
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch args[0] {
	case "run":
		stop() // run handles its own signals (stop-with-savepoint)
		err = runCmd(args[1:])
	case "bench":
		err = benchCmd(ctx, args[1:])
	case "version", "--version":
		fmt.Println("sluice", version)
	case "help", "-h", "--help":
		usage()
	default:
		fmt.Fprintf(os.Stderr, "sluice: unknown command %q\n\n", args[0])
		usage()
		return 2
	}
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintln(os.Stderr, "sluice:", err)
			return 2
		}
		fmt.Fprintln(os.Stderr, renderError(err))
		return 1
	}
	return 0
}

type usageError struct{ msg string }

// parseFlags parses args into fs: help is true after -h (the flags are
// printed; the command should do nothing more), and a bad flag is a
// usageError.
func parseFlags(fs *flag.FlagSet, args []string) (help bool, err error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return true, nil
		}
		return false, usageError{err.Error()}
	}
	return false, nil
}

func (e usageError) Error() string { return e.msg }

func usage() {
	fmt.Fprint(os.Stderr, `sluice — streaming SQL (Flink's dialect) on one machine

Usage:
  sluice run [flags] SCRIPT.sql     run a script's jobs until they end or Ctrl-C
  sluice bench nexmark [flags]      run Nexmark queries into a blackhole and report events/s
  sluice bench lookup [flags]       lookup join against a private Redis: per-record latency (p50/p99/max)
  sluice bench saber [flags]        run the Saber display LEFT JOIN click window join and report events/s
  sluice bench groupby [flags]      GROUP BY over N distinct keys on hashmap/pebble: rows/s, peak RSS, ratio
  sluice bench restart [flags]      kill a job with large state and time its --resume to the first record
  sluice version                    print the version

Run 'sluice run -h' or 'sluice bench NAME -h' (nexmark, lookup, saber, groupby, restart) for flags.
`)
}
