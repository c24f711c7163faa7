package pgdb

import (
	"regexp"
	"strings"
)

// What pg_amcheck 15 prints on stdout, one block per problem: a header
// naming the relation, then indented lines (pg_amcheck.c,
// verify_heap_slot_handler and verify_btree_slot_handler):
//
//	heap table "db.public.t", block 3, offset 7:
//	    line pointer to page offset 7576 with length 32767 ends beyond ...
//	btree index "db.public.ix":
//	    ERROR:  index tuple size does not equal lp_len in index "ix"
//	    DETAIL:  Index tid=(1,4) tuple size=2730 lp_len=1352 ...
//
// A heap block whose header carries a block, offset or attribute is a row
// of verify_heapam: corruption. Any other block is a query that failed
// ("ERROR:  ...", or libpq's own message): corruption when amcheck raised
// it, "could not be checked" when the failure says nothing of the data (a
// lock timeout, a relation dropped meanwhile, a lost connection).
var amcheckHeader = regexp.MustCompile(`^(heap table|btree index) "([^"]*)"(, block [^:]*)?:\s*$`)

// notChecked are the messages of a failed query that say the relation
// could not be checked, not that it is damaged. Anything else from a
// failed check counts as corruption: an unknown message must not pass as
// healthy.
var notChecked = []string{
	"canceling statement",
	"lock timeout",
	"could not obtain lock",
	"deadlock detected",
	"does not exist",
	"permission denied",
	"must be superuser",
	"out of memory",
	"server closed the connection",
	"terminating connection",
	"connection to server",
	"no connection to the server",
	"cannot check index",
	"cannot access temporary",
	"statement timeout",
	"recovery is in progress",
}

// parseAmcheck reads pg_amcheck's stdout for database dbname into
// findings. Relation names lose the "dbname." prefix. It never fails:
// lines it does not know are kept in the message of the block they
// follow, or dropped when they follow none.
func parseAmcheck(out, dbname string) []CheckFinding {
	var found []CheckFinding
	var cur *CheckFinding
	var msg []string
	flush := func() {
		if cur == nil {
			return
		}
		cur.Message = strings.Join(msg, " ")
		cur.Message = strings.TrimSpace(strings.TrimPrefix(cur.Message, "ERROR:"))
		cur.Corruption = cur.Corruption || !couldNotCheck(cur.Message)
		found = append(found, *cur)
		cur, msg = nil, nil
	}
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimRight(line, "\r")
		if m := amcheckHeader.FindStringSubmatch(line); m != nil {
			flush()
			// A heap header with a place is a verify_heapam row: damage.
			cur = &CheckFinding{Relation: relationName(m[2], dbname), Corruption: m[3] != ""}
			if m[3] != "" {
				msg = append(msg, strings.TrimPrefix(m[3], ", ")+":")
			}
			continue
		}
		text := strings.Join(strings.Fields(line), " ")
		if cur == nil || text == "" || strings.HasPrefix(text, "query was:") {
			continue
		}
		msg = append(msg, text)
	}
	flush()
	return found
}

// couldNotCheck says a failed query's message is not about the data.
func couldNotCheck(msg string) bool {
	low := strings.ToLower(msg)
	for _, s := range notChecked {
		if strings.Contains(low, s) {
			return true
		}
	}
	return false
}

// relationName is "schema.relation" from pg_amcheck's "db.schema.rel".
func relationName(full, dbname string) string {
	if dbname != "" && strings.HasPrefix(full, dbname+".") {
		return full[len(dbname)+1:]
	}
	if _, rest, ok := strings.Cut(full, "."); ok {
		return rest
	}
	return full
}
