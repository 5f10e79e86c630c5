package datagen

import "github.com/sluicehq/sluice/internal/config"

// Options is the datagen connector's option spec (Flink's keys, plus 'seed').
var Options = []config.Spec{
	{Key: "rows-per-second", Type: config.Int, Default: "10000",
		Description: "Rows per second to emit, over all parallel splits; 0 or less means as fast as possible."},
	{Key: "number-of-rows", Type: config.Int,
		Description: "Total number of rows to emit; unbounded when absent (unless a field is a sequence)."},
	{Key: "scan.parallelism", Type: config.Int,
		Description: "Parallelism of the source; by default the job's."},
	{Key: "seed", Type: config.Int,
		Description: "Sluice extension: seed of the random generators, for reproducible rows (split k uses seed+k)."},
	{Key: "fields.#.kind", Type: config.Enum, Values: []string{"random", "sequence"}, Default: "random",
		Description: "Generator of the field: 'random' values or a 'sequence' from start to end."},
	{Key: "fields.#.min", Type: config.String,
		Description: "Smallest random value of a numeric field (default: the type's smallest)."},
	{Key: "fields.#.max", Type: config.String,
		Description: "Largest random value of a numeric field (default: the type's largest)."},
	{Key: "fields.#.max-past", Type: config.Duration, Default: "0",
		Description: "Random DATE, TIME, TIMESTAMP and TIMESTAMP_LTZ values lie this far at most before now."},
	{Key: "fields.#.length", Type: config.Int,
		Description: "Length of random strings and binaries (default: the declared length, at most 100), or size of random arrays, maps and multisets (default 3)."},
	{Key: "fields.#.var-len", Type: config.Bool, Default: "false",
		Description: "Random strings and binaries get a random length between 1 and 'length'."},
	{Key: "fields.#.start", Type: config.String,
		Description: "First value of a sequence field (required for a sequence)."},
	{Key: "fields.#.end", Type: config.String,
		Description: "Last value of a sequence field (required for a sequence); the source ends after it."},
	{Key: "fields.#.null-rate", Type: config.Float, Default: "0",
		Description: "Fraction of random values that are NULL, from 0 to 1."},
}
