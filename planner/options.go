package planner

import (
	"fmt"
	"math"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/streamsql/streamsql/parser"
)

// Options are a job's options (SPEC §4): session defaults from SET,
// overridden by the query's WITH (...).
type Options struct {
	// JobName names the job and its state directory; empty means derived
	// from the statement (see Plan.JobName).
	JobName             string
	StateDir            string
	CheckpointInterval  time.Duration // 0: no checkpoints
	CheckpointMinPause  time.Duration
	CheckpointTimeout   time.Duration
	RetainOnCancel      bool // checkpoint_retention = 'retain_on_cancellation'
	CheckpointsRetained int
	Restart             RestartStrategy
	Restore             Restore
	Parallelism         int
	OnError             OnError
	// SourceLog makes SOCKET sources log what they receive, so that a
	// restored job replays it (source_log = 'on').
	SourceLog bool
	// MiniBatch makes aggregates fold each input batch's changes per key
	// and emit one change per changed key per batch (mini_batch = 'on'),
	// as Flink's table.exec.mini-batch does: the same results in fewer
	// changelog rows. Off, every input row emits its own changes, as
	// SPEC §3.3 describes.
	MiniBatch bool
	// Format is how a query's results are printed: changelog, table, csv or json.
	Format string
	// ResultMode is how the interactive shell shows a query's results:
	// table (redrawn in place), changelog or append. Scripts use Format.
	ResultMode string
}

// RestartKind names a restart strategy.
type RestartKind int

// The restart strategies.
const (
	RestartNone RestartKind = iota
	RestartFixedDelay
	RestartFailureRate
	RestartExponentialDelay
)

// RestartStrategy decides whether and when a failed job restarts.
type RestartStrategy struct {
	Kind        RestartKind
	Attempts    int           // fixed-delay
	Delay       time.Duration // fixed-delay, failure-rate
	MaxFailures int           // failure-rate: failures allowed per Interval
	Interval    time.Duration // failure-rate
	Initial     time.Duration // exponential-delay
	Max         time.Duration // exponential-delay
	Multiplier  float64       // exponential-delay
}

// String renders the strategy as it is written in SQL.
func (r RestartStrategy) String() string {
	switch r.Kind {
	case RestartFixedDelay:
		return fmt.Sprintf("fixed-delay(%d, %s)", r.Attempts, FormatDuration(r.Delay))
	case RestartFailureRate:
		return fmt.Sprintf("failure-rate(%d, %s, %s)", r.MaxFailures, FormatDuration(r.Interval), FormatDuration(r.Delay))
	case RestartExponentialDelay:
		return fmt.Sprintf("exponential-delay(%s, %s, %s)", FormatDuration(r.Initial), FormatDuration(r.Max),
			strconv.FormatFloat(r.Multiplier, 'g', -1, 64))
	}
	return "none"
}

// RestoreKind says where a job's state starts from.
type RestoreKind int

// The restore modes.
const (
	RestoreLatest RestoreKind = iota // the latest retained checkpoint, if any
	RestoreNone                      // empty state
	RestoreID                        // a given checkpoint
)

// Restore is the restore option.
type Restore struct {
	Kind RestoreKind
	ID   int64
}

// String renders the option's value.
func (r Restore) String() string {
	switch r.Kind {
	case RestoreNone:
		return "none"
	case RestoreID:
		return strconv.FormatInt(r.ID, 10)
	}
	return "latest"
}

// OnError says what happens to a record that fails to decode or evaluate.
type OnError int

// The error policies.
const (
	OnErrorFail OnError = iota
	OnErrorSkip
	OnErrorDeadLetter
)

// String renders the policy's value.
func (o OnError) String() string {
	return [...]string{"fail", "skip", "dead_letter"}[o]
}

// The print formats.
var printFormats = []string{"changelog", "table", "csv", "json"}

// Setting describes one option for SHOW SETTINGS, help and completion.
type Setting struct {
	Name    string
	Default string
	Doc     string
}

type optionDef struct {
	Setting
	set func(o *Options, v string) error
}

var optionDefs = []optionDef{
	{Setting{"job_name", "derived from the statement", "names the job and its state directory"},
		func(o *Options, v string) error {
			if !jobNamePattern.MatchString(v) {
				return fmt.Errorf("use letters, digits, '_', '-' and '.' (it names a directory)")
			}
			o.JobName = v
			return nil
		}},
	{Setting{"state_dir", "./streamsql-state", "where checkpoints are kept"},
		func(o *Options, v string) error {
			if strings.TrimSpace(v) == "" {
				return fmt.Errorf("expected a directory path")
			}
			o.StateDir = v
			return nil
		}},
	{Setting{"checkpoint_interval", "off", "time between checkpoints, e.g. '1s'; 'off' disables them"},
		func(o *Options, v string) error {
			if strings.EqualFold(v, "off") || v == "0" {
				o.CheckpointInterval = 0
				return nil
			}
			return setDuration(&o.CheckpointInterval, v) // '0s' is off too
		}},
	{Setting{"checkpoint_min_pause", "0s", "least time between the end of a checkpoint and the start of the next"},
		func(o *Options, v string) error { return setDuration(&o.CheckpointMinPause, v) }},
	{Setting{"checkpoint_timeout", "10min", "a checkpoint not complete by then is aborted"},
		func(o *Options, v string) error { return setPositiveDuration(&o.CheckpointTimeout, v) }},
	{Setting{"checkpoint_retention", "delete_on_cancellation", "or retain_on_cancellation: keep checkpoints after cancel or failure"},
		func(o *Options, v string) error {
			return setChoice(&o.RetainOnCancel, v, choice[bool]{"delete_on_cancellation", false}, choice[bool]{"retain_on_cancellation", true})
		}},
	{Setting{"checkpoints_retained", "1", "how many completed checkpoints to keep"},
		func(o *Options, v string) error { return setInt(&o.CheckpointsRetained, v, 1, 1000) }},
	{Setting{"restart", "none", "fixed-delay(attempts, delay), failure-rate(max_failures, interval, delay), exponential-delay(initial, max, multiplier) or none"},
		func(o *Options, v string) error {
			r, err := ParseRestartStrategy(v)
			o.Restart = r
			return err
		}},
	{Setting{"restore", "latest", "latest (the newest retained checkpoint, if any), none, or a checkpoint id"},
		func(o *Options, v string) error {
			switch strings.ToLower(v) {
			case "latest":
				o.Restore = Restore{Kind: RestoreLatest}
			case "none":
				o.Restore = Restore{Kind: RestoreNone}
			default:
				id, err := strconv.ParseInt(v, 10, 64)
				if err != nil || id <= 0 {
					return fmt.Errorf("expected 'latest', 'none' or a checkpoint id")
				}
				o.Restore = Restore{Kind: RestoreID, ID: id}
			}
			return nil
		}},
	{Setting{"parallelism", strconv.Itoa(runtime.NumCPU()) + " (the number of CPUs)", "subtasks for keyed operators"},
		func(o *Options, v string) error { return setInt(&o.Parallelism, v, 1, 1024) }},
	{Setting{"on_error", "fail", "fail, skip or dead_letter: what to do with a record that fails to decode or evaluate"},
		func(o *Options, v string) error {
			return setChoice(&o.OnError, v, choice[OnError]{"fail", OnErrorFail}, choice[OnError]{"skip", OnErrorSkip}, choice[OnError]{"dead_letter", OnErrorDeadLetter})
		}},
	{Setting{"source_log", "off", "on: SOCKET sources log what they receive, so a restored job loses no line (needs checkpoint_interval)"},
		func(o *Options, v string) error { return setOnOff(&o.SourceLog, v) }},
	{Setting{"mini_batch", "off", "on: aggregates emit one change per changed key per input batch instead of one per row (same results, fewer changes)"},
		func(o *Options, v string) error { return setOnOff(&o.MiniBatch, v) }},
	{Setting{"format", "changelog", "how query results are printed: changelog, table, csv or json"},
		func(o *Options, v string) error {
			f := strings.ToLower(v)
			for _, ok := range printFormats {
				if f == ok {
					o.Format = f
					return nil
				}
			}
			return fmt.Errorf("expected one of %s", strings.Join(printFormats, ", "))
		}},
	{Setting{"result_mode", "table", "how the shell shows a query: table (redrawn in place), changelog or append (scripts use format)"},
		func(o *Options, v string) error {
			return setChoice(&o.ResultMode, strings.ToLower(v), choice[string]{"table", "table"}, choice[string]{"changelog", "changelog"}, choice[string]{"append", "append"})
		}},
}

var jobNamePattern = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)

// DefaultOptions returns the options a job has when nothing is set.
func DefaultOptions() Options {
	return Options{
		StateDir:            "./streamsql-state",
		CheckpointTimeout:   10 * time.Minute,
		CheckpointsRetained: 1,
		Parallelism:         runtime.NumCPU(),
		Format:              "changelog",
		ResultMode:          "table",
	}
}

// Settings lists every option with its default and meaning.
func Settings() []Setting {
	out := make([]Setting, len(optionDefs))
	for i, d := range optionDefs {
		out[i] = d.Setting
	}
	return out
}

func findOption(name string) *optionDef {
	for i := range optionDefs {
		if optionDefs[i].Name == name {
			return &optionDefs[i]
		}
	}
	return nil
}

// CheckSetting validates SET key = value. The error says what is accepted.
func CheckSetting(key, value string) error {
	var o Options
	return applyOption(&o, key, value)
}

func applyOption(o *Options, key, value string) error {
	def := findOption(key)
	if def == nil {
		return unknownOptionError(key)
	}
	if err := def.set(o, value); err != nil {
		return fmt.Errorf("bad value %s for %s: %v", parser.QuoteString(value), key, err)
	}
	return nil
}

func unknownOptionError(key string) error {
	names := make([]string, len(optionDefs))
	for i, d := range optionDefs {
		names[i] = d.Name
	}
	return fmt.Errorf("unknown option %q%s (accepted: %s)", key, didYouMean(key, names), strings.Join(names, ", "))
}

// ResolveOptions merges the session's settings (validated when they were
// SET) with a statement's WITH options, which win. Errors are positioned at
// the offending option.
func ResolveOptions(settings map[string]string, with []*parser.Option) (Options, error) {
	o := DefaultOptions()
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := applyOption(&o, k, settings[k]); err != nil {
			return o, fmt.Errorf("setting %s: %v", k, err)
		}
	}
	seen := map[string]bool{}
	for _, opt := range with {
		if seen[opt.Key] {
			return o, parser.Errorf(opt.At, "option %q is given twice", opt.Key)
		}
		seen[opt.Key] = true
		v, err := OptionValue(opt)
		if err != nil {
			return o, err
		}
		if findOption(opt.Key) == nil {
			return o, parser.Errorf(opt.At, "%v", unknownOptionError(opt.Key))
		}
		if err := applyOption(&o, opt.Key, v); err != nil {
			return o, parser.Errorf(opt.Value.Pos(), "%v", err)
		}
	}
	if o.SourceLog && o.CheckpointInterval == 0 {
		// the log is trimmed by checkpoints; without them it would only grow
		const msg = "source_log = 'on' needs checkpoint_interval: the log is trimmed when checkpoints complete"
		for _, opt := range with {
			if opt.Key == "source_log" {
				return o, parser.Errorf(opt.At, msg)
			}
		}
		return o, fmt.Errorf("%s (source_log was SET for the session)", msg)
	}
	return o, nil
}

// OptionValue returns an option's literal value as text.
func OptionValue(opt *parser.Option) (string, error) {
	switch v := opt.Value.(type) {
	case *parser.StringLit:
		return v.Value, nil
	case *parser.IntLit:
		return strconv.FormatInt(v.Value, 10), nil
	case *parser.FloatLit:
		return strconv.FormatFloat(v.Value, 'g', -1, 64), nil
	case *parser.BoolLit:
		return strconv.FormatBool(v.Value), nil
	}
	return "", parser.Errorf(opt.Value.Pos(), "the value of %s must be a literal", opt.Key)
}

func setDuration(d *time.Duration, v string) error {
	parsed, err := ParseDuration(v)
	if err != nil {
		return err
	}
	if parsed < 0 {
		return fmt.Errorf("must not be negative")
	}
	*d = parsed
	return nil
}

func setPositiveDuration(d *time.Duration, v string) error {
	if err := setDuration(d, v); err != nil {
		return err
	}
	if *d <= 0 {
		return fmt.Errorf("must be greater than zero")
	}
	return nil
}

// choice is one word an option accepts and the value it stands for.
type choice[T any] struct {
	word  string
	value T
}

// setChoice sets *dst to the value of the choice v names (case does not
// matter), or says which words are accepted.
func setChoice[T any](dst *T, v string, choices ...choice[T]) error {
	words := make([]string, len(choices))
	for i, c := range choices {
		if strings.EqualFold(v, c.word) {
			*dst = c.value
			return nil
		}
		words[i] = "'" + c.word + "'"
	}
	if len(words) == 1 {
		return fmt.Errorf("expected %s", words[0])
	}
	return fmt.Errorf("expected %s or %s", strings.Join(words[:len(words)-1], ", "), words[len(words)-1])
}

// setOnOff sets a switch from 'on' or 'off'. 'true' and 'false' are
// accepted too, as Flink's boolean options take them, but the error names
// only the words the documentation uses.
func setOnOff(dst *bool, v string) error {
	if strings.EqualFold(v, "true") || strings.EqualFold(v, "false") {
		*dst = strings.EqualFold(v, "true")
		return nil
	}
	return setChoice(dst, v, choice[bool]{"on", true}, choice[bool]{"off", false})
}

func setInt(dst *int, v string, lo, hi int) error {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < lo || n > hi {
		return fmt.Errorf("expected a whole number from %d to %d", lo, hi)
	}
	*dst = n
	return nil
}

var restartPattern = regexp.MustCompile(`^\s*([A-Za-z_-]+)\s*(?:\((.*)\))?\s*$`)

// ParseRestartStrategy reads a restart strategy: 'none',
// 'fixed-delay(attempts, delay)', 'failure-rate(max_failures, interval,
// delay)' or 'exponential-delay(initial, max, multiplier)'.
func ParseRestartStrategy(s string) (RestartStrategy, error) {
	m := restartPattern.FindStringSubmatch(s)
	if m == nil {
		return RestartStrategy{}, fmt.Errorf("expected none, fixed-delay(attempts, delay), failure-rate(max_failures, interval, delay) or exponential-delay(initial, max, multiplier)")
	}
	name := strings.ReplaceAll(strings.ToLower(m[1]), "_", "-")
	var args []string
	if strings.TrimSpace(m[2]) != "" {
		for _, a := range strings.Split(m[2], ",") {
			args = append(args, strings.TrimSpace(a))
		}
	}
	want := func(n int, form string) error {
		if len(args) != n {
			return fmt.Errorf("%s takes %s", name, form)
		}
		return nil
	}
	var r RestartStrategy
	var err error
	switch name {
	case "none", "no-restart":
		if len(args) > 0 {
			return r, fmt.Errorf("none takes no arguments")
		}
		return RestartStrategy{Kind: RestartNone}, nil
	case "fixed-delay":
		r.Kind = RestartFixedDelay
		if err = want(2, "(attempts, delay), e.g. 'fixed-delay(3, 10s)'"); err == nil {
			if err = setInt(&r.Attempts, args[0], 0, math.MaxInt32); err == nil {
				err = setDuration(&r.Delay, args[1])
			}
		}
	case "failure-rate":
		r.Kind = RestartFailureRate
		if err = want(3, "(max_failures, interval, delay), e.g. 'failure-rate(3, 5 min, 10s)'"); err == nil {
			if err = setInt(&r.MaxFailures, args[0], 1, math.MaxInt32); err == nil {
				if err = setPositiveDuration(&r.Interval, args[1]); err == nil {
					err = setDuration(&r.Delay, args[2])
				}
			}
		}
	case "exponential-delay":
		r.Kind = RestartExponentialDelay
		if err = want(3, "(initial, max, multiplier), e.g. 'exponential-delay(1s, 1 min, 2)'"); err == nil {
			if err = setPositiveDuration(&r.Initial, args[0]); err == nil {
				if err = setPositiveDuration(&r.Max, args[1]); err == nil {
					r.Multiplier, err = strconv.ParseFloat(args[2], 64)
					if err != nil || r.Multiplier < 1 {
						err = fmt.Errorf("the multiplier must be a number of at least 1")
					} else if r.Initial > r.Max {
						err = fmt.Errorf("the initial delay %s is longer than the maximum %s", FormatDuration(r.Initial), FormatDuration(r.Max))
					}
				}
			}
		}
	default:
		return r, fmt.Errorf("unknown restart strategy %q (accepted: none, fixed-delay, failure-rate, exponential-delay)", m[1])
	}
	return r, err
}

// didYouMean suggests the closest of names to word, when one is close.
func didYouMean(word string, names []string) string {
	// Short names are close to too much: allow one edit up to three
	// letters, two beyond.
	best, bestDist := "", 3
	if len(word) <= 3 {
		bestDist = 2
	}
	for _, n := range names {
		if d := editDistance(strings.ToLower(word), strings.ToLower(n)); d < bestDist {
			best, bestDist = n, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
