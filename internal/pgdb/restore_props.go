package pgdb

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// dbProps are the properties of a database that live in the server's
// shared catalogs, not in the database: a dump made without --create
// carries none of them, so a restored copy starts with the defaults.
type dbProps struct {
	// acl is the database's ACL, one entry per privilege; hasACL is
	// false when datacl is NULL (the defaults: PUBLIC may connect and
	// make temporary tables, the owner may do everything).
	hasACL bool
	acl    []aclEntry
	// connLimit is datconnlimit (-1: no limit).
	connLimit int
	// settings are the pg_db_role_setting rows of the database: role ""
	// is ALTER DATABASE ... SET, any other ALTER ROLE ... IN DATABASE.
	settings []roleSetting
	comment  *string
}

// aclEntry is one privilege of the ACL; grantee "" is PUBLIC.
type aclEntry struct {
	grantee, privilege string
	grantable          bool
}

// roleSetting is one row of pg_db_role_setting: "name=value" entries.
type roleSetting struct {
	role   string
	config []string
}

// readProps reads database name's properties through admin.
func readProps(ctx context.Context, admin *pgx.Conn, name string) (dbProps, error) {
	var p dbProps
	var oid uint32
	err := admin.QueryRow(ctx, `SELECT oid, datconnlimit, datacl IS NOT NULL, shobj_description(oid, 'pg_database')
	  FROM pg_database WHERE datname = $1`, name).Scan(&oid, &p.connLimit, &p.hasACL, &p.comment)
	if err != nil {
		return p, fmt.Errorf("reading the properties of database %s: %w", name, err)
	}
	rows, err := admin.Query(ctx, `SELECT CASE WHEN a.grantee = 0 THEN '' ELSE pg_get_userbyid(a.grantee) END,
	  a.privilege_type, a.is_grantable FROM pg_database d, aclexplode(d.datacl) WITH ORDINALITY a
	  WHERE d.oid = $1 ORDER BY a.ordinality`, oid)
	if err != nil {
		return p, fmt.Errorf("reading the privileges on database %s: %w", name, err)
	}
	var e aclEntry
	if _, err := pgx.ForEachRow(rows, []any{&e.grantee, &e.privilege, &e.grantable}, func() error {
		p.acl = append(p.acl, e)
		return nil
	}); err != nil {
		return p, fmt.Errorf("reading the privileges on database %s: %w", name, err)
	}
	rows, err = admin.Query(ctx, `SELECT coalesce(r.rolname, ''), s.setconfig FROM pg_db_role_setting s
	  LEFT JOIN pg_roles r ON r.oid = s.setrole WHERE s.setdatabase = $1 ORDER BY 1`, oid)
	if err != nil {
		return p, fmt.Errorf("reading the settings of database %s: %w", name, err)
	}
	var s roleSetting
	if _, err := pgx.ForEachRow(rows, []any{&s.role, &s.config}, func() error {
		p.settings = append(p.settings, roleSetting{role: s.role, config: s.config})
		return nil
	}); err != nil {
		return p, fmt.Errorf("reading the settings of database %s: %w", name, err)
	}
	return p, nil
}

// sql is what gives database name (a new copy owned by owner, with the
// defaults) the properties p: the privileges exactly as p has them (the
// defaults of PUBLIC and of the owner revoked first), the connection
// limit, the settings and the comment. Every identifier is quoted.
func (p dbProps) sql(name, owner string) []string {
	db := QuoteIdent(name)
	var out []string
	if p.hasACL {
		out = append(out, "REVOKE ALL ON DATABASE "+db+" FROM PUBLIC")
		if owner != "" {
			out = append(out, "REVOKE ALL ON DATABASE "+db+" FROM "+QuoteIdent(owner))
		}
		for _, e := range p.acl {
			to := "PUBLIC"
			if e.grantee != "" {
				to = QuoteIdent(e.grantee)
			}
			s := "GRANT " + e.privilege + " ON DATABASE " + db + " TO " + to
			if e.grantable {
				s += " WITH GRANT OPTION"
			}
			out = append(out, s)
		}
	}
	if p.connLimit != -1 {
		out = append(out, fmt.Sprintf("ALTER DATABASE %s CONNECTION LIMIT %d", db, p.connLimit))
	}
	for _, s := range p.settings {
		alter := "ALTER DATABASE " + db
		if s.role != "" {
			alter = "ALTER ROLE " + QuoteIdent(s.role) + " IN DATABASE " + db
		}
		for _, kv := range s.config {
			k, v, _ := strings.Cut(kv, "=")
			out = append(out, alter+" SET "+QuoteIdent(k)+" = "+settingValue(k, v))
		}
	}
	if p.comment != nil {
		out = append(out, "COMMENT ON DATABASE "+db+" IS "+quoteLiteral(*p.comment))
	}
	return out
}

// listQuoted are the settings whose stored value is a list of quoted
// elements (GUC_LIST_QUOTE; pg_dump's variable_is_guc_list_quote): given
// as one string, the whole list would become a single element.
var listQuoted = map[string]bool{
	"local_preload_libraries": true, "search_path": true, "session_preload_libraries": true,
	"shared_preload_libraries": true, "temp_tablespaces": true, "unix_socket_directories": true,
}

// settingValue is the SQL of value v of setting k as pg_db_role_setting
// stores it: one string literal, or for a list one literal per element.
func settingValue(k, v string) string {
	if !listQuoted[strings.ToLower(k)] {
		return quoteLiteral(v)
	}
	elems := splitGUCList(v)
	if len(elems) == 0 {
		return "''"
	}
	for i, e := range elems {
		elems[i] = quoteLiteral(e)
	}
	return strings.Join(elems, ", ")
}

// splitGUCList splits a stored list setting as PostgreSQL's
// SplitGUCList does: elements separated by commas, blanks around them
// dropped, a double-quoted element taken whole ("" inside is one ").
func splitGUCList(s string) []string {
	var out []string
	for {
		s = strings.TrimLeft(s, " \t\n\r\f\v")
		if s == "" {
			return out
		}
		var elem strings.Builder
		if s[0] == '"' {
			s = s[1:]
			for s != "" {
				if s[0] == '"' {
					if len(s) > 1 && s[1] == '"' {
						elem.WriteByte('"')
						s = s[2:]
						continue
					}
					s = s[1:]
					break
				}
				elem.WriteByte(s[0])
				s = s[1:]
			}
		} else {
			end := strings.IndexByte(s, ',')
			if end < 0 {
				end = len(s)
			}
			elem.WriteString(strings.TrimRight(s[:end], " \t\n\r\f\v"))
			s = s[end:]
		}
		out = append(out, elem.String())
		s = strings.TrimLeft(s, " \t\n\r\f\v")
		if !strings.HasPrefix(s, ",") {
			return out
		}
		s = s[1:]
	}
}

// copyProperties gives the restored copy the target's properties (see
// dbProps) before it is switched in; a failure leaves the target as it
// is (the caller drops the copy).
func (p *restorePlan) copyProperties(ctx context.Context) error {
	props, err := readProps(ctx, p.admin, p.target)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	for _, s := range props.sql(p.copy, p.shape.owner) {
		if _, err := p.admin.Exec(ctx, s); err != nil {
			return fmt.Errorf("restore: giving the restored copy database %s's properties: %s: %w (database %s is unchanged; a superuser or the owner may run it)", p.target, s, err, p.target)
		}
	}
	return nil
}
