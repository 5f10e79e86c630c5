// Package config declares options once, as specs (key, type, default,
// description, required, secret), and derives parsing, validation, error
// messages and documentation from them. Connector WITH (...) options, format
// options and job-level SET keys all go through it.
//
// Keys may contain one '#' wildcard segment that matches any name (for
// example "fields.#.kind" in datagen), and a spec with Prefix set accepts any
// key under it (for example "properties." passed through to Kafka).
package config
