// Package connector defines how Sluice reads from and writes to external
// systems, and the Registry that finds a connector by its 'connector' option.
//
// Each system has its own package (connector/datagen, connector/nexmark,
// connector/filesystem, connector/print, connector/blackhole, ...) that
// exports a Factory: a name, an option spec (config.Spec, which also drives
// docs and error messages) and constructors for a Source and/or a Sink.
// connector/all assembles the default Registry.
//
// Lifecycle of a read: the planner calls Factory.NewSource once per table
// scan with the validated options and the projected columns; the runtime asks
// the Source for its Splits, spreads them over the parallel source tasks and
// opens a Reader per split. Watermarks are not the connector's business: the
// runtime derives them from the rows, per split.
//
// Lifecycle of a write: Factory.NewSink once per INSERT target; one Writer
// per parallel sink task; Write per batch; Close at the end (flush).
package connector
