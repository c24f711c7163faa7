package pgdb

import (
	"slices"
	"testing"
)

// splitGUCList reads a stored list setting as PostgreSQL does.
func TestSplitGUCList(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"public", []string{"public"}},
		{"audit, public", []string{"audit", "public"}},
		{`"$user", public`, []string{"$user", "public"}},
		{`"My Schema","a""b" ,  x`, []string{"My Schema", `a"b`, "x"}},
	}
	for _, tt := range tests {
		if got := splitGUCList(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("splitGUCList(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// The statements that give a copy the target's properties quote every
// identifier and literal, and start from no privileges when the target
// has an ACL.
func TestDatabasePropertiesSQL(t *testing.T) {
	comment := "it's"
	p := dbProps{
		hasACL:    true,
		acl:       []aclEntry{{grantee: "owner x", privilege: "CREATE"}, {grantee: "", privilege: "CONNECT"}, {grantee: "app", privilege: "TEMPORARY", grantable: true}},
		connLimit: 7,
		settings:  []roleSetting{{config: []string{"search_path=audit, \"My Schema\"", "app.x=a'b=c"}}, {role: "Ops", config: []string{"work_mem=64MB"}}},
		comment:   &comment,
	}
	want := []string{
		`REVOKE ALL ON DATABASE "new db" FROM PUBLIC`,
		`REVOKE ALL ON DATABASE "new db" FROM "owner x"`,
		`GRANT CREATE ON DATABASE "new db" TO "owner x"`,
		`GRANT CONNECT ON DATABASE "new db" TO PUBLIC`,
		`GRANT TEMPORARY ON DATABASE "new db" TO "app" WITH GRANT OPTION`,
		`ALTER DATABASE "new db" CONNECTION LIMIT 7`,
		`ALTER DATABASE "new db" SET "search_path" = 'audit', 'My Schema'`,
		`ALTER DATABASE "new db" SET "app.x" = 'a''b=c'`,
		`ALTER ROLE "Ops" IN DATABASE "new db" SET "work_mem" = '64MB'`,
		`COMMENT ON DATABASE "new db" IS 'it''s'`,
	}
	if got := p.sql("new db", "owner x"); !slices.Equal(got, want) {
		t.Errorf("sql:\n%q\nwant\n%q", got, want)
	}
	if got := (dbProps{connLimit: -1}).sql("d", "o"); len(got) != 0 {
		t.Errorf("defaults: %q, want nothing", got)
	}
}
