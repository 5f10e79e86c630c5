// Package pebble is the disk state backend ('state.backend.type' =
// 'pebble', 'rocksdb' an alias) on github.com/cockroachdb/pebble/v2, so
// keyed state can outgrow RAM (docs/design/state-and-checkpoints.md, "The
// Pebble backend").
//
// # Where to start
//
// Open (db.go) opens the job's one DB; DB.Backend (backend.go) gives each
// operator instance a state.BytesBackend, and state.NewStore wraps its
// tables (table.go) with the store's codec. Snapshot, SnapshotShared,
// CheckpointTo and DeleteCheckpoint (checkpoint.go) write and delete
// checkpoints; DB.Restore (restore.go) reads an instance's share of them
// into a fresh DB. cmd/stategroupby measures a GROUP BY on the backend
// alone; `sluice bench groupby` (internal/bench/groupby) the whole job.
//
// # Memory
//
// One DB per job run, shared by every operator instance, so
// 'state.backend.pebble.memory' (Options.Memory, default 256 MB) bounds the
// whole job: half for memtables (two of Memory/4: state is write-heavy),
// about 1/64 for each backend's write batch (at most 1 MB), the rest block
// cache. Pebble reserves the memtables' memory out of the block cache's
// capacity, so the cache is created with the whole budget less the
// batches' share (sized without the memtables, it was empty whenever both
// were full, and every read went to the file). The DB runs without a WAL:
// its directory is scratch for one run, and durability comes from
// checkpoints, which flush memtables first. Bloom filters (10 bits/key) on
// every level keep lookups of absent keys — every new group — off the disk.
//
// # Keys
//
//	uid (8) | key group (2) | store id (2) | namespace (8, sign-flipped) | user key
//
// all big-endian; the key group is state.KeyGroup of the user key. Key
// group 0xffff holds an operator's metadata: its store catalog (name ->
// id, shared by the operator's instances, so ids survive restores) and the
// entry counts Restore leaves for Table (keys.go).
//
// # Invariants
//
//   - Reads see every write: puts and deletes go to the backend's indexed
//     batch, committed past its size threshold, at Flush, Snapshot and
//     Close; appends (state.BytesAppender: merge operands, concatenated by
//     Pebble's default merger) go to a plain batch, committed before any
//     read, put or delete, so the DB sees writes in order. An append is a
//     blind write: no lookup, no batch index.
//   - Len is exact for stores written with Put and Delete: they know
//     whether the key existed (from the lookup of a Get of the same key
//     just before, the aggregate pattern, or a lookup of their own);
//     per-namespace counts make DropNamespace (one range deletion per key
//     group of the instance) exact too. An append counts as an entry (it
//     cannot know), so Len counts appends, not keys, until the key is
//     deleted or its namespace dropped.
//   - Each table keeps an in-memory filter of the keys it has written
//     (filter.go, 16 bits a key; after a copying restore the one Restore
//     built from the keys it copied, after a fast restore one bloom per
//     key group that a background scan publishes as it passes the group —
//     until then the filter rules no key of the group out — else
//     rebuilt from the live keys on Table; rebuilt too when deletes leave
//     it over twice the entries): a key it rules out is absent without a
//     Pebble lookup — every new group.
//   - The indexed batch commits its puts and deletes sorted by key, the
//     last write of each key only (Backend.commitSorted): inserts in key
//     order keep the memtable skiplist walk in the CPU cache.
//   - Get's value and Range's key and value are valid until the next call
//     on the store (state.BytesBackend contract); Get copies the value out
//     of Pebble into a reused buffer, so it does not allocate.
//   - Range visits a namespace in key-group order, then user-key order.
//   - Storage errors inside Store methods panic with the wrapped error.
//
// # Checkpoints on disk
//
// A backend's Snapshot(dir) is a Pebble checkpoint restricted to the
// instance's key-group span and its operator's metadata, in
// dir/pebble-<uid hex>-<first key group>/, plus INSTANCE.json (format of
// the keys, uid, key groups, max parallelism, entry counts per store and
// namespace): the checkpoint may surface
// other instances' keys, stale ones too, and Restore copies only the key
// groups named there; it refuses a checkpoint whose format is absent or
// not stateFormat. SnapshotShared (and CheckpointTo for the whole DB) make
// it incremental: each SST moves into the shared directory as
// <run id>-<file>.sst unless it is there already (an SST of one DB run
// never changes; after a fast restore the backing files of virtual SSTs
// are copied whole), and SHARED.json lists the SSTs the checkpoint needs
// (version, shared dir relative to the checkpoint, file -> shared name),
// written last through a .tmp file, fsync and rename. DeleteCheckpoint
// removes a checkpoint, then every shared file no manifest under the
// retained directories references; the caller serialises it with
// incremental checkpoints into the same shared directory.
//
// # Restore
//
// Restore first tries the fast path (fastrestore.go,
// docs/design/fast-restore.md): when every checkpoint's key groups lie in
// the instance's, the checkpoint saved its entry counts (INSTANCE.json)
// and its store ids are the DB's, it hard-links the checkpoints' SSTs
// under <dir>/external and ingests them as external, virtual SSTs bounded
// to the checkpoint's key groups, one level per call, oldest first, so
// newer versions shadow older ones; nothing is read or copied. The key
// filters are built and the files copied into the DB (Download) in the
// background; a checkpoint of the instance waits for the copy, as a
// Pebble checkpoint cannot name external files (the job's coordinator
// starts none until RestoresCopied). Otherwise Restore opens
// each checkpoint read-only from a scratch directory of hard links (never
// writing into a checkpoint), remaps store ids through the catalog, and
// copies the requested key groups into SSTs written with
// Pebble's sstable writer, one per worker and key-group slice, which the
// DB ingests; it falls back to batches if the id remapping would reorder
// keys. It records per-(store, namespace) counts so Len is exact at once,
// and keeps the hashes of the keys it copied to build each store's key
// filter in one bloom, which Table takes instead of scanning the keys.
package pebble
