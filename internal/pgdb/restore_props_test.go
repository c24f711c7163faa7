package pgdb_test

import (
	"strings"
	"testing"
	"time"

	"github.com/fossawork/fossamaint/internal/pgdb"
	"github.com/fossawork/fossamaint/internal/testkit"
)

// A restore keeps the database-level properties a dump does not carry:
// the privileges exactly (CONNECT for app only, PUBLIC's defaults
// revoked, a grant option to a role whose name needs quoting), the
// connection limit, the settings of the database and of a role in it
// (a list setting stays a list) and the comment.
func TestRestoreKeepsDatabaseProperties(t *testing.T) {
	c := testkit.Postgres(t)
	su := c.URL("postgres")
	execSQL(t, su, `CREATE ROLE app LOGIN`, `CREATE ROLE "Ops Team"`, `CREATE DATABASE fw`,
		`ALTER DATABASE fw SET search_path = audit, "My Schema", public`,
		`ALTER DATABASE fw SET "app.tenant" = 'o''brien'`,
		`ALTER ROLE app IN DATABASE fw SET work_mem = '64MB'`,
		`REVOKE CONNECT, TEMP ON DATABASE fw FROM PUBLIC`, `GRANT CONNECT ON DATABASE fw TO app`,
		`GRANT TEMP ON DATABASE fw TO "Ops Team" WITH GRANT OPTION`,
		`ALTER DATABASE fw CONNECTION LIMIT 7`, `COMMENT ON DATABASE fw IS 'FossaWork''s data'`)
	url := c.URL("fw")
	seed(t, url, 10)
	tools := findTools(t, openPG(t, url))
	dump := dumpOf(t, tools, url)
	before := dbProperties(t, su, "fw")
	res, err := pgdb.Restore(testCtx(t), tools, url, dump.Path, pgdb.RestoreOptions{Now: time.Date(2026, 12, 5, 4, 0, 0, 0, time.UTC), Tables: dump.Tables})
	if err != nil {
		t.Fatal(err)
	}
	after := dbProperties(t, su, "fw")
	if after != before {
		t.Errorf("the restored database's properties\n%s\nare not the replaced one's\n%s", after, before)
	}
	if kept := dbProperties(t, su, res.Replaced); kept != before {
		t.Errorf("the kept database's properties\n%s\nchanged from\n%s", kept, before)
	}
	t.Logf("%s", after)
}

// dbProperties is database name's ACL (sorted), connection limit,
// settings and comment, as text.
func dbProperties(t *testing.T, url, name string) string {
	t.Helper()
	var s string
	err := connectRaw(t, url).QueryRow(testCtx(t), `SELECT
	  'acl ' || coalesce((SELECT string_agg(x::text, ' ' ORDER BY x::text) FROM unnest(d.datacl) x), '<default>') ||
	  E'\nconnlimit ' || d.datconnlimit ||
	  E'\nsettings ' || coalesce((SELECT string_agg(coalesce(r.rolname, '*') || ':' || array_to_string(s.setconfig, '|'), ' ' ORDER BY 1)
	     FROM pg_db_role_setting s LEFT JOIN pg_roles r ON r.oid = s.setrole WHERE s.setdatabase = d.oid), '') ||
	  E'\ncomment ' || coalesce(shobj_description(d.oid, 'pg_database'), '<none>')
	  FROM pg_database d WHERE d.datname = $1`, name).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// When the copy cannot be given a property (a setting only a superuser
// may make, restored by the database's owner), the restore stops before
// the switch: the copy is dropped, the target untouched, and the error
// names the statement.
func TestRestorePropertyRefusedLeavesTheTarget(t *testing.T) {
	c := testkit.Postgres(t)
	su := c.URL("postgres")
	execSQL(t, su, `CREATE ROLE app LOGIN CREATEDB`, `CREATE DATABASE appdb OWNER app`,
		`ALTER DATABASE appdb SET log_min_duration_statement = 100`)
	appURL := strings.Replace(c.URL("appdb"), "postgres@", "app@", 1)
	seed(t, appURL, 10)
	tools := findTools(t, openPG(t, appURL))
	dump := dumpOf(t, tools, appURL)
	before := dbProperties(t, su, "appdb")
	held := connectRaw(t, appURL)
	res, err := pgdb.Restore(testCtx(t), tools, appURL, dump.Path, pgdb.RestoreOptions{Now: time.Date(2026, 12, 5, 4, 0, 0, 0, time.UTC), Tables: dump.Tables})
	if err == nil || !strings.Contains(err.Error(), "log_min_duration_statement") || !strings.Contains(err.Error(), "appdb is unchanged") || res.Replaced != "" {
		t.Fatalf("restore: %+v, %v; want a refusal naming the setting", res, err)
	}
	if err := held.Ping(testCtx(t)); err != nil {
		t.Errorf("a connection to the target was ended: %v", err)
	}
	if after := dbProperties(t, su, "appdb"); after != before {
		t.Errorf("the target's properties changed:\n%s\nwas\n%s", after, before)
	}
	noScratch(t, su)
}
