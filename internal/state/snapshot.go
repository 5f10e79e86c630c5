package state

// Snapshotter is implemented by backends that can be checkpointed
// (docs/design/state-and-checkpoints.md). Snapshot is called on the task's
// goroutine at a checkpoint barrier, so the state does not change under it.
type Snapshotter interface {
	// Snapshot writes a consistent copy of the backend's state into dir
	// (which exists) and returns the files written, relative to dir.
	Snapshot(dir string) ([]string, error)
}
