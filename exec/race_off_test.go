//go:build !race

package exec

// raceEnabled reports whether the tests run under the race detector, which
// makes some of them (the state at scale) too slow at full size.
const raceEnabled = false
