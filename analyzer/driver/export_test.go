package driver

import "time"

// SetRacyWindow changes how recent a modification must be for DiskState
// not to trust a stamp, until the returned function restores it.
func SetRacyWindow(d time.Duration) (restore func()) {
	old := racyWindow
	racyWindow = d
	return func() { racyWindow = old }
}

// NewUnwatchedDiskState is a DiskState that watches nothing: every load
// examines every stamp.
func NewUnwatchedDiskState() *DiskState { return &DiskState{files: map[string]*cachedRead{}} }

// Watching reports whether the state watches directories.
func (d *DiskState) Watching() bool { return d.watch != nil }

// SetMaxWatches changes how many directories a DiskState watches, until
// the returned function restores it.
func SetMaxWatches(n int) (restore func()) {
	old := maxWatches
	maxWatches = n
	return func() { maxWatches = old }
}
