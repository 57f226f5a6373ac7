package exec

import (
	"context"
	"io"
	"math"
	"sort"
	"strconv"

	"github.com/streamsql/streamsql/internal/wordgen"
	"github.com/streamsql/streamsql/planner/types"
)

// datagenSource generates lines of words for benchmarks and tests
// (GENERATE_LINES, connector 'datagen'): each line has words_per_line words
// drawn from a vocabulary with a Zipf distribution, as natural text has.
// Line n depends only on the seed and n, so the output is the same on every
// run and can be resumed at any line. rows = 0 means unbounded.
type datagenSource struct {
	batchRows int
	rows      int64
	perLine   int
	vocab     []string
	cdf       []float64
	seed      uint64
	position  int64 // the next line to generate
}

func newDatagenSource(opts map[string]string, batchRows int) (*datagenSource, error) {
	rows, err := strconv.ParseInt(opts["rows"], 10, 64)
	if err != nil {
		return nil, err
	}
	perLine, err := strconv.Atoi(opts["words_per_line"])
	if err != nil {
		return nil, err
	}
	vocabSize, err := strconv.Atoi(opts["vocabulary"])
	if err != nil {
		return nil, err
	}
	s, err := strconv.ParseFloat(opts["zipf_s"], 64)
	if err != nil {
		return nil, err
	}
	seed, err := strconv.ParseUint(opts["seed"], 10, 64)
	if err != nil {
		return nil, err
	}
	g := &datagenSource{batchRows: batchRows, rows: rows, perLine: perLine, seed: seed, vocab: make([]string, vocabSize), cdf: make([]float64, vocabSize)}
	total := 0.0
	for k := range g.vocab {
		g.vocab[k] = wordgen.Word(k)
		total += 1 / math.Pow(float64(k+1), s)
		g.cdf[k] = total
	}
	for k := range g.cdf {
		g.cdf[k] /= total
	}
	return g, nil
}

// line appends line n to buf.
func (g *datagenSource) line(buf []byte, n int64) []byte {
	state := g.seed*0x9e3779b97f4a7c15 ^ uint64(n)
	for w := 0; w < g.perLine; w++ {
		if w > 0 {
			buf = append(buf, ' ')
		}
		u := float64(wordgen.Splitmix64(&state)>>11) / (1 << 53)
		k := sort.SearchFloat64s(g.cdf, u)
		if k >= len(g.vocab) {
			k = len(g.vocab) - 1
		}
		buf = append(buf, g.vocab[k]...)
	}
	return buf
}

func (g *datagenSource) Seek(pos []byte) error {
	n, err := readCounterPos(pos)
	g.position = int64(n)
	return err
}

func (g *datagenSource) Fetch(ctx context.Context) (*Batch, []byte, error) {
	if g.rows > 0 && g.position >= g.rows {
		return nil, nil, io.EOF
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	var text []byte
	ends := make([]int, 0, g.batchRows)
	first := g.position
	for len(ends) < g.batchRows && (g.rows == 0 || g.position < g.rows) {
		text = g.line(text, g.position)
		ends = append(ends, len(text))
		g.position++
	}
	s := string(text)
	b := NewBatch(len(ends))
	start := 0
	for i, end := range ends {
		r := b.NewRow(1)
		r[0] = types.Str(s[start:end])
		b.Append(types.Insert, r)
		b.RecordIDs = append(b.RecordIDs, uint64(first)+uint64(i)+1)
		start = end
	}
	return b, counterPos(uint64(g.position)), nil
}

func (g *datagenSource) Close() error { return nil }
