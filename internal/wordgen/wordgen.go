// Package wordgen holds the pieces of the synthetic text that the
// GENERATE_LINES source (package exec) and the benchmarks
// (bench/internal/corpus) both produce, so that the two stay one algorithm.
package wordgen

var syllables = []string{"ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "po", "da", "fe", "gu", "hi", "jo", "be"}

// Word is the k-th word of the vocabulary: k+16 written in base 16 with a
// syllable per digit, so words are distinct, pronounceable and 4 to 8
// letters long.
func Word(k int) string {
	var digits []string
	for n := k + len(syllables); n > 0; n /= len(syllables) {
		digits = append(digits, syllables[n%len(syllables)])
	}
	var b []byte
	for i := len(digits) - 1; i >= 0; i-- {
		b = append(b, digits[i]...)
	}
	return string(b)
}

// Splitmix64 advances x and returns its next value: a small, fast
// generator with good statistics. Seeding it per line makes every line
// independent of the others.
func Splitmix64(x *uint64) uint64 {
	*x += 0x9e3779b97f4a7c15
	z := *x
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
