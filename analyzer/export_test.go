package analyzer

import "time"

// SetRacyWindow changes how recent a modification must be for DiskState
// not to trust a stamp, until the returned function restores it.
func SetRacyWindow(d time.Duration) (restore func()) {
	old := racyWindow
	racyWindow = d
	return func() { racyWindow = old }
}
