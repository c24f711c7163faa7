package pgdb

import (
	"maps"
	"strings"
	"testing"
)

// realList is pg_restore --list (PostgreSQL 15.18) of a dump of a
// database with two schemas, a quoted table name with a space, a view, a
// materialized view, a partitioned table, sequences, indexes, primary,
// unique and foreign keys and a comment.
const realList = `;
; Archive created at 2026-12-03 12:08:27 UTC
;     dbname: t
;     TOC Entries: 31
;     Format: CUSTOM
;     Dumped from database version: 15.18 (Debian 15.18-0+deb12u1)
;
; Selected TOC Entries:
;
6; 2615 16385 SCHEMA - app postgres
223; 1255 16422 FUNCTION public f() postgres
218; 1259 16398 TABLE app Work Orders postgres
217; 1259 16397 SEQUENCE app Work Orders_id_seq postgres
3387; 0 0 SEQUENCE OWNED BY app Work Orders_id_seq postgres
222; 1259 16423 MATERIALIZED VIEW public mv postgres
220; 1259 16416 TABLE public part postgres
221; 1259 16419 TABLE public part1 postgres
216; 1259 16387 TABLE public users postgres
3388; 0 0 COMMENT public TABLE users postgres
215; 1259 16386 SEQUENCE public users_id_seq postgres
3389; 0 0 SEQUENCE OWNED BY public users_id_seq postgres
219; 1259 16412 VIEW public v postgres
3220; 0 0 TABLE ATTACH public part1 postgres
3222; 2604 16401 DEFAULT app Work Orders id postgres
3221; 2604 16390 DEFAULT public users id postgres
3378; 0 16398 TABLE DATA app Work Orders postgres
3379; 0 16419 TABLE DATA public part1 postgres
3376; 0 16387 TABLE DATA public users postgres
3390; 0 0 SEQUENCE SET app Work Orders_id_seq postgres
3391; 0 0 SEQUENCE SET public users_id_seq postgres
3228; 2606 16405 CONSTRAINT app Work Orders Work Orders_pkey postgres
3224; 2606 16396 CONSTRAINT public users users_name_key postgres
3226; 2606 16394 CONSTRAINT public users users_pkey postgres
3229; 1259 16411 INDEX app Work Orders_s_idx postgres
3230; 2606 16406 FK CONSTRAINT app Work Orders Work Orders_user_id_fkey postgres
3380; 0 16423 MATERIALIZED VIEW DATA public mv postgres
`

func TestParseTOC(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]int
	}{
		{"real dump", realList, map[string]int{
			"SCHEMA": 1, "FUNCTION": 1, "TABLE": 4, "SEQUENCE": 2, "SEQUENCE OWNED BY": 2,
			"MATERIALIZED VIEW": 1, "COMMENT": 1, "VIEW": 1, "TABLE ATTACH": 1, "DEFAULT": 2,
			"TABLE DATA": 3, "SEQUENCE SET": 2, "CONSTRAINT": 3, "INDEX": 1, "FK CONSTRAINT": 1,
			"MATERIALIZED VIEW DATA": 1,
		}},
		{"empty", "", map[string]int{}},
		{"header only", ";\n; Archive created at 2026-12-03\n;     TOC Entries: 8\n", map[string]int{}},
		{"commented-out entry", ";215; 1259 16386 TABLE public x postgres\n", map[string]int{}},
		{"CRLF", "215; 1259 16386 TABLE public x postgres\r\n", map[string]int{"TABLE": 1}},
		{"no owner (--no-owner list)", "215; 1259 16386 TABLE public x \n", map[string]int{"TABLE": 1}},
		{"type is the whole rest", "3; 0 0 ENCODING", map[string]int{"ENCODING": 1}},
		{"unknown type: its first word", "9; 0 0 FROBNICATOR public x postgres\n", map[string]int{"FROBNICATOR": 1}},
		{"schema named like a type word", "9; 1259 1 TABLE DATASET x postgres\n", map[string]int{"TABLE": 1}},
		{"not entries", "hello\n12 1259 1 TABLE a b c\nx; 1 2 TABLE a b c\n1; a 2 TABLE a b c\n1; 1 2 \n", map[string]int{}},
		{"pg_restore warning line", "pg_restore: warning: something\n", map[string]int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseTOC(tt.in)
			if !maps.Equal(got, tt.want) {
				t.Errorf("parseTOC =\n%v\nwant\n%v", got, tt.want)
			}
		})
	}
}

func FuzzParseTOC(f *testing.F) {
	f.Add(realList)
	f.Add("1; 2 3 TABLE DATA public x postgres\n")
	f.Add("1; 2 3 ")
	f.Add(";\n;;\n")
	f.Fuzz(func(t *testing.T, s string) {
		counts := parseTOC(s)
		total := 0
		for typ, n := range counts {
			if n <= 0 {
				t.Fatalf("type %q counted %d", typ, n)
			}
			if typ == "" {
				t.Fatalf("an entry without a type")
			}
			total += n
		}
		if lines := strings.Count(s, "\n") + 1; total > lines {
			t.Fatalf("%d entries in %d lines", total, lines)
		}
	})
}

func TestCompareTables(t *testing.T) {
	got := compareTables(
		map[string]int64{"public.a": 1, "public.b": 2, "public.gone": 3},
		map[string]int64{"public.a": 1, "public.b": 5, "public.new": 0})
	want := []string{
		"table public.b restored 5 rows, the manifest has 2",
		"table public.gone (3 rows in the manifest) is missing from the restored copy",
		"table public.new (0 rows restored) is not in the manifest",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("compareTables =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if d := compareTables(map[string]int64{}, map[string]int64{}); d != nil {
		t.Errorf("equal maps: %v", d)
	}
}
