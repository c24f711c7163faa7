package pgdb

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// The testdata files are pg_amcheck 15.18's real stdout: an index and a
// heap page damaged as TestCheck damages them, and the same database
// checked while another session held an ACCESS EXCLUSIVE lock on
// other.t2 (PGOPTIONS="-c lock_timeout=300").
func TestParseAmcheck(t *testing.T) {
	index := CheckFinding{Corruption: true, Relation: "public.ix_wo_status",
		Message: `index tuple size does not equal lp_len in index "ix_wo_status" DETAIL: Index tid=(1,4) tuple size=2730 lp_len=1352 page lsn=0/1C559E0. HINT: This could be a torn page problem.`}
	heap := CheckFinding{Corruption: true, Relation: "public.wo",
		Message: "block 3, offset 7: line pointer to page offset 7576 with length 32767 ends beyond maximum page offset 8192"}
	tests := []struct {
		name, file, in, db string
		want               []CheckFinding
	}{
		{name: "healthy", in: "", db: "t1"},
		{name: "index and heap", file: "corrupt-index-heap.txt", db: "t1", want: []CheckFinding{index, heap}},
		{name: "lock timeout", file: "lock-timeout.txt", db: "t1", want: []CheckFinding{heap, index,
			{Relation: "other.t2_pkey", Message: "canceling statement due to lock timeout"},
			{Relation: "other.t2", Message: "canceling statement due to lock timeout"}}},
		{name: "attribute and whole-table rows", db: "fossa.work",
			in: "heap table \"fossa.work.public.t\", block 0, offset 2, attribute 3:\n    toast value 16400 not found in toast table\nheap table \"fossa.work.public.t\":\n    relation is corrupt\n",
			want: []CheckFinding{
				{Corruption: true, Relation: "public.t", Message: "block 0, offset 2, attribute 3: toast value 16400 not found in toast table"},
				{Corruption: true, Relation: "public.t", Message: "relation is corrupt"}}},
		{name: "lost connection", db: "d",
			in:   "btree index \"d.public.ix\":\n    server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally\nquery was: SELECT 1\n",
			want: []CheckFinding{{Relation: "public.ix", Message: "server closed the connection unexpectedly This probably means the server terminated abnormally"}}},
		{name: "unknown database prefix", db: "other",
			in:   "btree index \"d.s.ix\":\r\n    ERROR:  item order invariant violated for index \"ix\"\r\n",
			want: []CheckFinding{{Corruption: true, Relation: "s.ix", Message: `item order invariant violated for index "ix"`}}},
		{name: "noise before any header", db: "d", in: "    stray\nsomething else\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			if tt.file != "" {
				b, err := os.ReadFile(filepath.Join("testdata", "amcheck", tt.file))
				if err != nil {
					t.Fatal(err)
				}
				in = string(b)
			}
			got := parseAmcheck(in, tt.db)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseAmcheck:\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

// FuzzParseAmcheck: any output and any database name, no panic.
func FuzzParseAmcheck(f *testing.F) {
	for _, name := range []string{"corrupt-index-heap.txt", "lock-timeout.txt"} {
		b, err := os.ReadFile(filepath.Join("testdata", "amcheck", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b), "t1")
	}
	f.Add("heap table \"\", block :\n", "")
	f.Add("btree index \"x\":\nERROR:\n", "x")
	f.Fuzz(func(t *testing.T, out, db string) {
		for _, fd := range parseAmcheck(out, db) {
			_ = fd.Relation + fd.Message
		}
	})
}
