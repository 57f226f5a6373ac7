package exec

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// INSERT INTO a file sink writes the header (csv) and then every change,
// in the sink's format.
func TestFileSink(t *testing.T) {
	const appendOnly = "SELECT n, 'x,' || CAST(n AS STRING) AS s FROM GENERATE_SERIES(1, 3) AS g(n)"
	const updating = "SELECT n % 2 AS k, COUNT(*) AS c FROM GENERATE_SERIES(1, 3) AS g(n) GROUP BY n % 2"
	const empty = "SELECT n FROM GENERATE_SERIES(1, 3) AS g(n) WHERE n > 5"
	tests := []struct {
		name, format, query, want string
	}{
		{"csv", "csv", appendOnly, "n,s\n1,\"x,1\"\n2,\"x,2\"\n3,\"x,3\"\n"},
		{"csv updating", "csv", updating, "op,k,c\n+I,1,1\n+I,0,1\n-U,1,1\n+U,1,2\n"},
		{"csv empty", "csv", empty, "n\n"},
		{"json", "json", appendOnly,
			`{"op":"+I","n":1,"s":"x,1"}` + "\n" + `{"op":"+I","n":2,"s":"x,2"}` + "\n" + `{"op":"+I","n":3,"s":"x,3"}` + "\n"},
		{"json updating", "json", updating,
			`{"op":"+I","k":1,"c":1}` + "\n" + `{"op":"+I","k":0,"c":1}` + "\n" + `{"op":"-U","k":1,"c":1}` + "\n" + `{"op":"+U","k":1,"c":2}` + "\n"},
		{"json empty", "json", empty, ""},
		{"changelog", "changelog", appendOnly, "+I[1, x,1]\n+I[2, x,2]\n+I[3, x,3]\n"},
		{"changelog updating", "changelog", updating, "+I[1, 1]\n+I[0, 1]\n-U[1, 1]\n+U[1, 2]\n"},
		{"default format is csv", "", appendOnly, "n,s\n1,\"x,1\"\n2,\"x,2\"\n3,\"x,3\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// one subtask per operator, so that the order of changes is fixed
			ts := newTestSession(t, sessionOpts{settings: map[string]string{"parallelism": "1"}})
			path := filepath.Join(t.TempDir(), "new dir", "out.txt")
			format := ""
			if tt.format != "" {
				format = fmt.Sprintf(", format = '%s'", tt.format)
			}
			ts.mustExec(fmt.Sprintf("CREATE SINK out WITH (connector = 'file', path = %s%s)", sqlString(path), format))
			res := ts.mustExec("INSERT INTO out " + tt.query)
			if res.Job.State() != JobFinished {
				t.Errorf("job %s", res.Job.State())
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("the file holds\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// Running the INSERT again replaces the file.
func TestFileSinkTruncates(t *testing.T) {
	ts := newTestSession(t, sessionOpts{settings: map[string]string{"parallelism": "1"}})
	path := writeFile(t, t.TempDir(), "out.csv", "old contents that are longer than the new ones\n")
	ts.mustExec(fmt.Sprintf("CREATE SINK out WITH (connector = 'file', path = %s)", sqlString(path)))
	ts.mustExec("INSERT INTO out SELECT n FROM GENERATE_SERIES(7, 7) AS g(n)")
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "n\n7\n" {
		t.Errorf("the file holds %q", got)
	}
}

// A file sink that cannot be created fails the job, naming the sink.
func TestFileSinkCannotCreate(t *testing.T) {
	ts := newTestSession(t, sessionOpts{})
	dir := t.TempDir()
	blocker := writeFile(t, dir, "file", "")
	ts.mustExec(fmt.Sprintf("CREATE SINK out WITH (connector = 'file', path = %s)", sqlString(filepath.Join(blocker, "out.csv"))))
	res, err := ts.exec("INSERT INTO out SELECT n FROM GENERATE_SERIES(1, 2) AS g(n)")
	if err == nil || res == nil || res.Job.State() != JobFailed {
		t.Fatalf("Execute: %v, want a failed job", err)
	}
	if !strings.HasPrefix(err.Error(), "sink out: ") {
		t.Errorf("error %q does not name the sink", err)
	}
}

// A query's results go to the print sink in the session's format.
func TestPrintSinkFormats(t *testing.T) {
	const query = "SELECT n, CASE WHEN n = 2 THEN NULL ELSE 'a\"b' END AS s FROM GENERATE_SERIES(1, 3) AS g(n)"
	tests := []struct{ format, want string }{
		{"changelog", "+I[1, a\"b]\n+I[2, NULL]\n+I[3, a\"b]\n"},
		{"csv", "n,s\n1,\"a\"\"b\"\n2,\n3,\"a\"\"b\"\n"},
		{"json", `{"op":"+I","n":1,"s":"a\"b"}` + "\n" + `{"op":"+I","n":2,"s":null}` + "\n" + `{"op":"+I","n":3,"s":"a\"b"}` + "\n"},
		{"table", "+---+------+\n| n | s    |\n+---+------+\n| 1 | a\"b  |\n| 2 | NULL |\n| 3 | a\"b  |\n+---+------+\n(3 rows)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			ts := newTestSession(t, sessionOpts{print: true, settings: map[string]string{"parallelism": "1"}})
			ts.mustExec(fmt.Sprintf("SET format = '%s'", tt.format))
			ts.mustExec(query)
			if got := ts.stdout.String(); got != tt.want {
				t.Errorf("printed\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}
