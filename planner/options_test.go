package planner_test

import (
	"errors"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/streamsql/streamsql/parser"
	"github.com/streamsql/streamsql/planner"
)

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		// Go style
		{"10s", 10 * time.Second},
		{"500ms", 500 * time.Millisecond},
		{"1m30s", 90 * time.Second},
		{"1h", time.Hour},
		{"1.5s", 1500 * time.Millisecond},
		{"250us", 250 * time.Microsecond},
		{"0", 0},
		{"-1s", -time.Second},
		{"  10s  ", 10 * time.Second},
		// SQL style, with or without a space, any case
		{"10 s", 10 * time.Second},
		{"10 sec", 10 * time.Second},
		{"1 second", time.Second},
		{"10 SECONDS", 10 * time.Second},
		{"1 min", time.Minute},
		{"2mins", 2 * time.Minute},
		{"1.5 minutes", 90 * time.Second},
		{"2 hours", 2 * time.Hour},
		{"1 hour", time.Hour},
		{"500 milliseconds", 500 * time.Millisecond},
		{"5 millis", 5 * time.Millisecond},
		{"7 ns", 7 * time.Nanosecond},
		{"3 microseconds", 3 * time.Microsecond},
		{"3 µs", 3 * time.Microsecond},
		{"1 day", 24 * time.Hour},
		{"3d", 72 * time.Hour},
		{"10", 10 * time.Second}, // a bare number is seconds
		{".5 s", 500 * time.Millisecond},
		{"2562047 h", 2562047 * time.Hour}, // near the largest duration
	} {
		got, err := planner.ParseDuration(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ in, err string }{
		{"", `^"" is not a duration \(examples: '1s', '500ms', '1 min'\)$`},
		{"soon", `^"soon" is not a duration`},
		{"s", `^"s" is not a duration`},
		{"1.2.3 s", `^"1.2.3 s" is not a duration`},
		{"-1 s", `^"-1 s" is not a duration`},
		{"1 fortnight", `^"1 fortnight" has an unknown unit "fortnight" \(use ms, s, min, h or d\)$`},
		{"1h 30min", `^"1h 30min" has an unknown unit "h 30min"`},
		{"5 years", `unknown unit "years"`},
		{"2562048 h", `^"2562048 h" is out of range`},
		{"99999999999 hours", `is out of range`},
		{"9223372036854775807 s", `is out of range`},
		{"9999999999999h", `is out of range`},
	} {
		got, err := planner.ParseDuration(tc.in)
		if err == nil || !regexp.MustCompile(tc.err).MatchString(err.Error()) {
			t.Errorf("ParseDuration(%q) = %v, %v; want an error matching %q", tc.in, got, err, tc.err)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for _, tc := range []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"}, {2 * time.Hour, "2h"}, {5 * time.Minute, "5min"}, {90 * time.Second, "1m30s"},
		{500 * time.Millisecond, "500ms"}, {10 * time.Second, "10s"},
	} {
		if got := planner.FormatDuration(tc.in); got != tc.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", tc.in, got, tc.want)
		}
		// what it prints reads back
		if back, err := planner.ParseDuration(planner.FormatDuration(tc.in)); err != nil || back != tc.in {
			t.Errorf("ParseDuration(FormatDuration(%v)) = %v, %v", tc.in, back, err)
		}
	}
}

func TestParseRestartStrategy(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want planner.RestartStrategy
		text string // String() of the result
	}{
		{"none", planner.RestartStrategy{Kind: planner.RestartNone}, "none"},
		{" NONE ", planner.RestartStrategy{Kind: planner.RestartNone}, "none"},
		{"none()", planner.RestartStrategy{Kind: planner.RestartNone}, "none"},
		{"no_restart", planner.RestartStrategy{Kind: planner.RestartNone}, "none"},
		{"fixed-delay(3, 10s)", planner.RestartStrategy{Kind: planner.RestartFixedDelay, Attempts: 3, Delay: 10 * time.Second}, "fixed-delay(3, 10s)"},
		{"Fixed_Delay( 0 , 1 min )", planner.RestartStrategy{Kind: planner.RestartFixedDelay, Attempts: 0, Delay: time.Minute}, "fixed-delay(0, 1min)"},
		{"fixed-delay(2, 0s)", planner.RestartStrategy{Kind: planner.RestartFixedDelay, Attempts: 2}, "fixed-delay(2, 0s)"},
		{"failure-rate(3, 5 min, 10s)", planner.RestartStrategy{Kind: planner.RestartFailureRate, MaxFailures: 3,
			Interval: 5 * time.Minute, Delay: 10 * time.Second}, "failure-rate(3, 5min, 10s)"},
		{"exponential-delay(1s, 1 min, 2)", planner.RestartStrategy{Kind: planner.RestartExponentialDelay,
			Initial: time.Second, Max: time.Minute, Multiplier: 2}, "exponential-delay(1s, 1min, 2)"},
		{"exponential-delay(500ms, 10s, 1.5)", planner.RestartStrategy{Kind: planner.RestartExponentialDelay,
			Initial: 500 * time.Millisecond, Max: 10 * time.Second, Multiplier: 1.5}, "exponential-delay(500ms, 10s, 1.5)"},
	} {
		got, err := planner.ParseRestartStrategy(tc.in)
		if err != nil {
			t.Errorf("ParseRestartStrategy(%q): %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ParseRestartStrategy(%q) (-want +got):\n%s", tc.in, diff)
		}
		if got.String() != tc.text {
			t.Errorf("ParseRestartStrategy(%q).String() = %q, want %q", tc.in, got.String(), tc.text)
		}
		// String() is valid input, and reads back the same
		if again, err := planner.ParseRestartStrategy(got.String()); err != nil || again != got {
			t.Errorf("ParseRestartStrategy(%q) = %+v, %v; want %+v", got.String(), again, err, got)
		}
	}
	for _, tc := range []struct{ in, err string }{
		{"", `^expected none, fixed-delay\(attempts, delay\), failure-rate\(max_failures, interval, delay\) or exponential-delay\(initial, max, multiplier\)$`},
		{"123", `^expected none, fixed-delay`},
		{"fixed-delay(3, 10s", `^expected none, fixed-delay`},
		{"sometimes", `^unknown restart strategy "sometimes" \(accepted: none, fixed-delay, failure-rate, exponential-delay\)$`},
		{"none(1)", `^none takes no arguments$`},
		{"fixed-delay", `^fixed-delay takes \(attempts, delay\), e.g. 'fixed-delay\(3, 10s\)'$`},
		{"fixed-delay(3)", `^fixed-delay takes \(attempts, delay\)`},
		{"fixed-delay(1, 2, 3)", `^fixed-delay takes \(attempts, delay\)`},
		{"fixed-delay(-1, 1s)", `^expected a whole number from 0 to 2147483647$`},
		{"fixed-delay(x, 1s)", `^expected a whole number from 0 to 2147483647$`},
		{"fixed-delay(3, soon)", `^"soon" is not a duration`},
		{"fixed-delay(3, -1s)", `^must not be negative$`},
		{"failure-rate(3, 5 min)", `^failure-rate takes \(max_failures, interval, delay\), e.g. 'failure-rate\(3, 5 min, 10s\)'$`},
		{"failure-rate(0, 1 min, 1s)", `^expected a whole number from 1 to 2147483647$`},
		{"failure-rate(1, 0s, 1s)", `^must be greater than zero$`},
		{"failure-rate(1, 1 min, 1 fortnight)", `unknown unit "fortnight"`},
		{"exponential-delay(1s, 1 min)", `^exponential-delay takes \(initial, max, multiplier\), e.g. 'exponential-delay\(1s, 1 min, 2\)'$`},
		{"exponential-delay(0s, 1 min, 2)", `^must be greater than zero$`},
		{"exponential-delay(1s, 0s, 2)", `^must be greater than zero$`},
		{"exponential-delay(1s, 1 min, 0.5)", `^the multiplier must be a number of at least 1$`},
		{"exponential-delay(1s, 1 min, x)", `^the multiplier must be a number of at least 1$`},
	} {
		got, err := planner.ParseRestartStrategy(tc.in)
		if err == nil || !regexp.MustCompile(tc.err).MatchString(err.Error()) {
			t.Errorf("ParseRestartStrategy(%q) = %+v, %v; want an error matching %q", tc.in, got, err, tc.err)
		}
	}
}

// withOptions parses the WITH list of a query.
func withOptions(t *testing.T, with string) []*parser.Option {
	t.Helper()
	stmt, err := parser.ParseStmt("q.sql", "SELECT 1 WITH ("+with+")")
	if err != nil {
		t.Fatal(err)
	}
	return stmt.(*parser.SelectStmt).Options
}

func TestResolveOptions(t *testing.T) {
	def, err := planner.ResolveOptions(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := planner.Options{StateDir: "./streamsql-state", CheckpointTimeout: 10 * time.Minute, CheckpointsRetained: 1,
		Parallelism: runtime.NumCPU(), Format: "changelog", ResultMode: "table"}
	if diff := cmp.Diff(want, def); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(planner.DefaultOptions(), def); diff != "" {
		t.Errorf("DefaultOptions differs from resolving nothing (-want +got):\n%s", diff)
	}

	// Every option, given in WITH.
	got, err := planner.ResolveOptions(nil, withOptions(t, `job_name = 'wc-1.v2', state_dir = '/var/state',
		checkpoint_interval = '1s', checkpoint_min_pause = '500ms', checkpoint_timeout = '1 min',
		'Checkpoint_Retention' = 'RETAIN_ON_CANCELLATION', checkpoints_retained = 3, restart = 'fixed-delay(3, 10s)',
		restore = 42, parallelism = 8, on_error = 'dead_letter', mini_batch = 'ON', format = 'TABLE', result_mode = 'Changelog'`))
	if err != nil {
		t.Fatal(err)
	}
	want = planner.Options{JobName: "wc-1.v2", StateDir: "/var/state", CheckpointInterval: time.Second,
		CheckpointMinPause: 500 * time.Millisecond, CheckpointTimeout: time.Minute, RetainOnCancel: true,
		CheckpointsRetained: 3, Restart: planner.RestartStrategy{Kind: planner.RestartFixedDelay, Attempts: 3, Delay: 10 * time.Second},
		Restore: planner.Restore{Kind: planner.RestoreID, ID: 42}, Parallelism: 8, OnError: planner.OnErrorDeadLetter, MiniBatch: true, Format: "table", ResultMode: "changelog"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("every option (-want +got):\n%s", diff)
	}

	// WITH overrides the session's settings; settings apply where WITH is silent.
	settings := map[string]string{"parallelism": "4", "checkpoint_interval": "10s", "restore": "none", "on_error": "skip"}
	got, err = planner.ResolveOptions(settings, withOptions(t, "parallelism = 2, checkpoint_interval = 'off'"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Parallelism != 2 || got.CheckpointInterval != 0 || got.Restore.Kind != planner.RestoreNone || got.OnError != planner.OnErrorSkip {
		t.Errorf("settings and WITH: got %+v", got)
	}
	if settings["parallelism"] != "4" {
		t.Error("ResolveOptions changed the settings")
	}

	// A bad setting is reported as such (it has no position in the query).
	_, err = planner.ResolveOptions(map[string]string{"parallelism": "0"}, nil)
	var perr *parser.Error
	if err == nil || errors.As(err, &perr) || err.Error() != "setting parallelism: bad value '0' for parallelism: expected a whole number from 1 to 1024" {
		t.Errorf("bad setting: got %v", err)
	}
	_, err = planner.ResolveOptions(map[string]string{"paralelism": "2"}, nil)
	if err == nil || !strings.HasPrefix(err.Error(), `setting paralelism: unknown option "paralelism" (did you mean "parallelism"?)`) {
		t.Errorf("unknown setting: got %v", err)
	}

	// WITH errors are positioned: at the key when the key is wrong, at the
	// value when the value is.
	for _, tc := range []struct{ with, at, msg string }{
		{"paralelism = 2", "1:16", `unknown option "paralelism" (did you mean "parallelism"?)`},
		{"parallelism = 2, parallelism = 2", "1:33", `option "parallelism" is given twice`},
		{"restore = 'old'", "1:26", `bad value 'old' for restore: expected 'latest', 'none' or a checkpoint id`},
		{"restore = -1", "1:26", `bad value '-1' for restore`},
		{"restart = 'fixed-delay(1, x)'", "1:26", `bad value 'fixed-delay(1, x)' for restart: "x" is not a duration`},
	} {
		_, err := planner.ResolveOptions(nil, withOptions(t, tc.with))
		var perr *parser.Error
		if !errors.As(err, &perr) {
			t.Errorf("WITH (%s): want a *parser.Error, got %v", tc.with, err)
			continue
		}
		if got := perr.Pos.String(); got != "q.sql:"+tc.at {
			t.Errorf("WITH (%s): error at %s, want q.sql:%s", tc.with, got, tc.at)
		}
		if !strings.HasPrefix(perr.Msg, tc.msg) {
			t.Errorf("WITH (%s): message %q, want it to start with %q", tc.with, perr.Msg, tc.msg)
		}
	}

	// An option value must be a literal; the parser only makes literals,
	// so build one that is not.
	_, err = planner.ResolveOptions(nil, []*parser.Option{{At: parser.Pos{Line: 1, Col: 1}, Key: "parallelism",
		Value: &parser.ColumnRef{At: parser.Pos{Line: 1, Col: 15}, Column: parser.Ident{Name: "x"}}}})
	if !errors.As(err, &perr) || perr.Msg != "the value of parallelism must be a literal" || perr.Pos.Col != 15 {
		t.Errorf("non-literal value: got %v", err)
	}
}

func TestOptionValue(t *testing.T) {
	for with, want := range map[string]string{
		"a = 'text'": "text", "a = 42": "42", "a = -7": "-7", "a = 1.5": "1.5", "a = 2.0": "2", "a = TRUE": "true",
		"a = FALSE": "false", "a = bare_word": "bare_word", "'a' = 'it''s'": "it's",
	} {
		opts := withOptions(t, with)
		got, err := planner.OptionValue(opts[0])
		if err != nil || got != want {
			t.Errorf("OptionValue(%s) = %q, %v; want %q", with, got, err, want)
		}
	}
}

func TestCheckSetting(t *testing.T) {
	for _, tc := range []struct{ key, value string }{
		{"job_name", "wordcount"}, {"state_dir", "/tmp/state"}, {"checkpoint_interval", "1s"},
		{"checkpoint_interval", "off"}, {"checkpoint_interval", "OFF"}, {"checkpoint_interval", "0"}, {"checkpoint_interval", "0s"},
		{"checkpoint_min_pause", "0s"}, {"checkpoint_timeout", "10 min"},
		{"checkpoint_retention", "delete_on_cancellation"}, {"checkpoint_retention", "retain_on_cancellation"},
		{"checkpoints_retained", "1000"}, {"restart", "none"}, {"restart", "failure-rate(3, 5 min, 10s)"},
		{"restore", "latest"}, {"restore", "NONE"}, {"restore", "17"}, {"parallelism", "1"}, {"parallelism", " 1024 "},
		{"on_error", "fail"}, {"on_error", "Skip"}, {"on_error", "dead_letter"},
		{"format", "changelog"}, {"format", "table"}, {"format", "csv"}, {"format", "json"},
		{"mini_batch", "on"}, {"mini_batch", "OFF"}, {"mini_batch", "true"}, {"mini_batch", "false"},
	} {
		if err := planner.CheckSetting(tc.key, tc.value); err != nil {
			t.Errorf("CheckSetting(%q, %q): %v", tc.key, tc.value, err)
		}
	}
	for _, tc := range []struct{ key, value, err string }{
		{"paralelism", "2", `^unknown option "paralelism" \(did you mean "parallelism"\?\) \(accepted: job_name, state_dir, checkpoint_interval, checkpoint_min_pause, checkpoint_timeout, checkpoint_retention, checkpoints_retained, restart, restore, parallelism, on_error, source_log, mini_batch, format, result_mode\)$`},
		{"colour", "red", `^unknown option "colour" \(accepted: `},
		{"job_name", "", `^bad value '' for job_name: use letters, digits, '_', '-' and '.' \(it names a directory\)$`},
		{"job_name", "../escape", `^bad value '../escape' for job_name`},
		{"job_name", ".hidden", `^bad value '.hidden' for job_name`},
		{"state_dir", "  ", `^bad value '  ' for state_dir: expected a directory path$`},
		{"checkpoint_interval", "-5s", `^bad value '-5s' for checkpoint_interval: must not be negative$`},
		{"checkpoint_interval", "often", `^bad value 'often' for checkpoint_interval: "often" is not a duration`},
		{"checkpoint_min_pause", "-1ms", `must not be negative`},
		{"checkpoint_timeout", "0", `must be greater than zero`},
		{"checkpoint_retention", "retain", `^bad value 'retain' for checkpoint_retention: expected 'delete_on_cancellation' or 'retain_on_cancellation'$`},
		{"checkpoints_retained", "0", `^bad value '0' for checkpoints_retained: expected a whole number from 1 to 1000$`},
		{"checkpoints_retained", "1001", `expected a whole number from 1 to 1000`},
		{"restart", "always", `^bad value 'always' for restart: unknown restart strategy "always"`},
		{"restore", "0", `^bad value '0' for restore: expected 'latest', 'none' or a checkpoint id$`},
		{"restore", "first", `expected 'latest', 'none' or a checkpoint id`},
		{"parallelism", "0", `^bad value '0' for parallelism: expected a whole number from 1 to 1024$`},
		{"parallelism", "1025", `expected a whole number from 1 to 1024`},
		{"parallelism", "2.5", `expected a whole number from 1 to 1024`},
		{"on_error", "retry", `^bad value 'retry' for on_error: expected 'fail', 'skip' or 'dead_letter'$`},
		{"format", "xml", `^bad value 'xml' for format: expected one of changelog, table, csv, json$`},
		{"mini_batch", "yes", `^bad value 'yes' for mini_batch: expected 'on' or 'off'$`},
	} {
		err := planner.CheckSetting(tc.key, tc.value)
		if err == nil || !regexp.MustCompile(tc.err).MatchString(err.Error()) {
			t.Errorf("CheckSetting(%q, %q) = %v, want an error matching %q", tc.key, tc.value, err, tc.err)
		}
	}
}

func TestSettings(t *testing.T) {
	// SPEC §4 lists these options; format is the print format of results.
	var names []string
	for _, s := range planner.Settings() {
		names = append(names, s.Name)
		if s.Default == "" || s.Doc == "" {
			t.Errorf("setting %s has no default or doc", s.Name)
		}
	}
	want := []string{"job_name", "state_dir", "checkpoint_interval", "checkpoint_min_pause", "checkpoint_timeout",
		"checkpoint_retention", "checkpoints_retained", "restart", "restore", "parallelism", "on_error", "source_log", "mini_batch", "format", "result_mode"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("settings (-want +got):\n%s", diff)
	}
}

func TestOptionStrings(t *testing.T) {
	for got, want := range map[string]string{
		planner.Restore{Kind: planner.RestoreLatest}.String():       "latest",
		planner.Restore{Kind: planner.RestoreNone}.String():         "none",
		planner.Restore{Kind: planner.RestoreID, ID: 12}.String():   "12",
		planner.OnErrorFail.String():                                "fail",
		planner.OnErrorSkip.String():                                "skip",
		planner.OnErrorDeadLetter.String():                          "dead_letter",
		planner.RestartStrategy{Kind: planner.RestartNone}.String(): "none",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}
