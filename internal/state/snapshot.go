package state

// Snapshotter is implemented by backends that can be checkpointed
// (docs/design/state-and-checkpoints.md). Snapshot is called on the task's
// goroutine at a checkpoint barrier, so the state does not change under it.
type Snapshotter interface {
	// Snapshot writes a consistent copy of the backend's state into dir
	// (which exists) and returns the files written, relative to dir.
	Snapshot(dir string) ([]string, error)
}

// Claimer is implemented by restored backends: Unclaimed lists the stores
// present in the restored snapshot that the operator has not created
// (NewStore) — state the edited job would silently lose. The runtime refuses
// to run with unclaimed state unless
// 'execution.savepoint.ignore-unclaimed-state' is true; unclaimed stores
// are not written to later snapshots.
type Claimer interface {
	Unclaimed() []string
}
