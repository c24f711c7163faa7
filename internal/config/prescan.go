package config

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// scanStats is what prescan saw: the deepest nesting and the number of
// values, both upper bounds of what the parser will build.
type scanStats struct {
	depth, values int
}

// scanner is prescan's state. It follows YAML's rules for what is
// structure (flow brackets, "- " and "? " entries, "key:" separators,
// indentation) and what is text (quoted scalars, comments, block
// scalars). FuzzParse holds it to the parser: the tree never nests deeper
// than the scan said.
type scanner struct {
	line int    // 1-based number of the line being scanned
	cur  []byte // that line
	// blocks are the open block collections, innermost last: one per
	// indentation and key column, one per "- " or "? " entry.
	blocks  [MaxDepth + 1]block
	nBlocks int
	// seqs and maps count "[" and "{" as the library's scanner does: a
	// "]" with nothing open makes seqs negative. openSeqs and openMaps
	// count the brackets still open, for the depth.
	seqs, maps, openSeqs, openMaps int
	// flowEntries are "- " entries and lines opening with ":" inside
	// brackets, closed with them.
	flowEntries int
	// flow are the open brackets, innermost last, each with whether a
	// "key: value" pair is open in it; pairs counts the open pairs
	// directly inside "[": each is a mapping one level deeper ("[a: [b:
	// 0]]" is four levels).
	flow    [MaxDepth + 2]flowLevel
	nFlow   int
	pairs   int
	merges  int // "<<" seen (see scanText)
	deepest int // the most blocks open at once so far
	// quote is the open quote (' or ") of a scalar that goes on past the
	// end of its line, or 0.
	quote byte
	// scalarIndent is the indentation a line needs to be content of the
	// open block scalar (| or >); -1 when none is open.
	scalarIndent int
	// nestNext is 'p' when a line ends in a tag or anchor, 'e' when it
	// ends in an entry with no value: the library nests the next line one
	// level deeper, even at the same column or left of it ("a: !t" then
	// "b: 1" is {a: {b: 1}}; "-" then "b: 1" is [{b: 1}], but "-" then
	// "-" are two entries).
	nestNext byte
	// blocksBefore are nBlocks before the last two lines of block
	// structure.
	blocksBefore [2]int
	// plain says the last line ended inside a plain scalar, which began
	// at column plainKey. lastDelim is the column of the last key or
	// entry, -1 before the first: the library goes on with the scalar on
	// lines indented right of it.
	plain     bool
	plainKey  int
	lastDelim int
	stats     scanStats
}

// prescan bounds the document's nesting depth and value count in one pass
// over the bytes, allocating nothing, before the YAML library builds
// anything. Its error is positioned where a limit was crossed.
func prescan(data []byte) (scanStats, error) {
	s := scanner{scalarIndent: -1, lastDelim: -1}
	for rest := data; len(rest) > 0; {
		// Lines end in \n, \r\n or a lone \r, as the library reads them.
		line, next := rest, []byte(nil)
		if i := bytes.IndexAny(rest, "\r\n"); i >= 0 {
			line, next = rest[:i], rest[i+1:]
			if rest[i] == '\r' && len(next) > 0 && next[0] == '\n' {
				next = next[1:]
			}
		}
		rest = next
		s.line, s.cur = s.line+1, line
		if s.line > MaxLines {
			return s.stats, s.errorAt(0, "more than %d lines (a fossamaint config has a few hundred)", MaxLines)
		}
		if err := s.scanLine(); err != nil {
			return s.stats, err
		}
	}
	return s.stats, nil
}

func (s *scanner) scanLine() error {
	line := s.cur
	// YAML allows only printable characters; the library reads some
	// control characters as separators (a NUL after "-" makes an entry).
	for i, c := range line {
		if c < ' ' && c != '\t' && c != '\r' || c == 0x7f {
			return s.errorAt(i, "control character %U: YAML allows only printable characters", rune(c))
		}
	}
	indent := 0
	for indent < len(line) && line[indent] == ' ' {
		indent++
	}
	blank := isBlank(line[indent:])
	switch {
	case s.quote != 0:
		// A quoted scalar goes on: its text is not structure.
		return s.scanText(0, 0, false)
	case s.scalarIndent >= 0 && (blank || indent > s.scalarIndent):
		return nil // block scalar content
	}
	s.scalarIndent = -1
	if blank {
		return nil
	}
	if indent == 0 && isDocumentMarker(line) {
		// "---" or "..." starts or ends a document: it ends the plain
		// scalar and the collections before it, it is not text.
		s.nBlocks, s.plain, s.lastDelim, s.nestNext = 0, false, -1, 0
		s.blocksBefore = [2]int{}
		i := nextToken(line, 3)
		return s.scanText(i, i, false)
	}
	if line[indent] == '#' {
		s.plain = false // a comment ends a plain scalar
		return nil
	}
	// The library goes on with the plain scalar the line before ended in
	// while lines are indented right of the last key or entry: quotes,
	// "- " and brackets there are text.
	cont := s.plain && indent > s.lastDelim
	content := bytes.TrimLeft(line[indent:], " \t")
	colonLine := content[0] == ':' && (len(content) == 1 || isSpace(content[1]))
	if cont && !colonLine {
		return s.scanText(indent, indent, true)
	}
	if !s.inFlow() {
		var err error
		s.blocksBefore = [2]int{s.blocksBefore[1], s.nBlocks}
		switch {
		case colonLine:
			// The line makes the last token of the line before a key,
			// nested in what that line began or ended in, whatever the
			// columns say.
			for err == nil && s.nBlocks <= max(s.blocksBefore[0], s.blocksBefore[1]) {
				err = s.push(block{col: indent}, indent)
			}
		case s.nestNext == 'p':
			// The line is the value of the tag or anchor ending the line
			// before: the library nests it deeper, whatever its column.
			err = s.push(block{col: indent}, indent)
		case s.nestNext == 'e' && !isEntry(content):
			err = s.openKey(indent, true)
		default:
			err = s.openKey(indent, false)
		}
		if err != nil {
			return err
		}
	} else if content[0] == ':' {
		// Inside brackets too, a ":" opening a line nests its line.
		s.flowEntries++
		if err := s.checkDepth(indent); err != nil {
			return err
		}
	}
	return s.scanText(indent, indent, cont)
}

// isDocumentMarker says whether a line starts with "---" or "...", then
// a space or its end.
func isDocumentMarker(line []byte) bool {
	return len(line) >= 3 && (string(line[:3]) == "---" || string(line[:3]) == "...") &&
		(len(line) == 3 || isSpace(line[3]))
}

// isEntry says whether content starts with a "- " or "? " entry.
func isEntry(content []byte) bool {
	return (content[0] == '-' || content[0] == '?') && (len(content) == 1 || isSpace(content[1]))
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }

// lineState is what scanText knows about the line so far.
type lineState struct {
	// key is where the current block key starts: the column of the
	// mapping a "key:" makes. owner is the column of the collection a
	// block scalar here would belong to: its lines are indented further.
	key, owner int
	// last is the kind of the line's last token: 'p' a tag or anchor,
	// 'e' an entry with nothing after it, 0 anything else.
	last byte
	// node: a node may start here (line start, after "- ", ": ", "[",
	// ","...). plain: inside a plain scalar, where spaces, quotes and
	// brackets are text. name: inside an alias, anchor or tag name.
	node, plain, name bool
	prop              bool // the name is an anchor or tag: a node may follow it
}

// scanText scans the line from byte i, the line's indentation; cont
// says the line goes on with the plain scalar the line before ended in.
func (s *scanner) scanText(i, indent int, cont bool) error {
	line := s.cur
	ls := lineState{key: indent, owner: indent, node: s.quote == 0 && !cont, plain: cont}
	if cont && line[i] != ':' {
		ls.key = s.plainKey // a line opening with ":" was nested by scanLine
	}
	defer func() {
		s.nestNext = 0
		if !s.inFlow() {
			s.nestNext = ls.last
		}
		s.plain, s.plainKey = ls.plain, ls.key
	}()
	for ; i < len(line); i++ {
		if s.quote != 0 {
			i = s.skipQuoted(i) - 1
			continue
		}
		c, next := line[i], byte(' ') // the end of the line separates like a space
		if i+1 < len(line) {
			next = line[i+1]
		}
		if c == '<' && next == '<' {
			if isMergeKey(line[i+2:]) {
				s.lastDelim = i
			}
			// A merge key. The library nests the lines around one in
			// ways their columns do not say ("b<<: 1" is "b: {<<: 1}",
			// under the line before even left of it; a line ending in
			// "<<:" takes the next): each counts as two levels, to the
			// end of the document.
			s.merges++
			if err := s.checkDepth(i); err != nil {
				return err
			}
		}
		switch {
		case c == '#' && (i == 0 || isSpace(line[i-1])):
			return nil // a comment
		case ls.name && c == '\t':
			continue // the library reads a tab as part of a tag or anchor name
		case isSpace(c):
			if ls.name {
				ls.name, ls.node = false, ls.prop
			}
			continue
		case ls.plain || ls.name:
			if !s.endsToken(&ls, c, next) {
				continue
			}
		}
		done, err := s.token(&ls, i, c, next)
		if err != nil || done {
			return err
		}
	}
	return nil
}

// endsToken says whether c ends the plain scalar or name being scanned,
// as the library decides it: "]" and "}" only close what is open.
func (s *scanner) endsToken(ls *lineState, c, next byte) bool {
	var ends bool
	switch c {
	case '[', '{', ',':
		ends = s.inFlow()
	case ']':
		ends = s.seqs > 0
	case '}':
		ends = s.maps > 0
	case ':':
		ends = ls.plain && s.separates(next)
	}
	if ends {
		ls.plain, ls.name = false, false
	}
	return ends
}

// token handles byte i (c, then next), an indicator or the start of a
// node. done means the rest of the line is not structure.
func (s *scanner) token(ls *lineState, i int, c, next byte) (done bool, err error) {
	line := s.cur
	ls.last = 0
	node := ls.node
	ls.node = false
	switch {
	case c == ':' && s.separates(next):
		s.openPair()
		if err = s.value(i); err == nil && !s.inFlow() {
			err = s.openKey(ls.key, false) // the key's mapping
		}
		// What follows is the value; the library reads "a: b: c" as
		// "a: {b: c}", so a key there nests.
		s.lastDelim = ls.key
		ls.owner, ls.key, ls.node = ls.key, nextToken(line, i+1), true
	case s.inFlow() && c == ',':
		s.closePair()
		ls.node, err = true, s.value(i)
	case c == ']' || c == '}' && s.maps > 0:
		s.closeFlow(c)
	case c == '[' || c == '{':
		ls.node, err = true, s.openFlow(c, i)
	case !node:
		ls.plain = true // text after a quoted scalar or a closing bracket
	case c == '"' || c == '\'':
		s.quote, ls.key = c, i
	case s.inFlow() && (c == '-' || c == '?') && isSpace(next):
		// Not YAML, but the library makes a sequence of it.
		s.flowEntries++
		s.lastDelim = i
		err = s.value(i)
	case !s.inFlow() && (c == '-' || c == '?') && isSpace(next):
		// An entry: a collection one step right of column i.
		s.lastDelim = i
		if err = s.value(i); err == nil {
			err = s.openEntry(i)
		}
		ls.owner, ls.key, ls.last, ls.node = i, nextToken(line, i+1), 'e', true
	case !s.inFlow() && (c == '|' || c == '>') && blockScalarHeader(line[i+1:]):
		s.scalarIndent = ls.owner
		return true, nil
	case c == '*':
		ls.name, ls.prop, err = true, false, s.value(i) // decode counts what it expands to
	case c == '!' || c == '&':
		ls.name, ls.prop, ls.last = true, true, 'p'
	default:
		ls.plain, ls.key = true, i
	}
	return false, err
}

// inFlow says whether the library's scanner is inside brackets.
func (s *scanner) inFlow() bool { return s.seqs > 0 || s.maps > 0 }

// separates says whether a ":" followed by next separates a key from its
// value: a space must follow, except inside braces (but "http://").
func (s *scanner) separates(next byte) bool {
	return isSpace(next) || s.maps > 0 && next != '/'
}

// flowLevel is an open bracket ('[' or '{') and whether a pair is open
// directly in it.
type flowLevel struct {
	bracket byte
	pair    bool
}

func (s *scanner) openFlow(c byte, i int) error {
	if c == '[' {
		s.seqs++
		s.openSeqs++
	} else {
		s.maps++
		s.openMaps++
	}
	if s.nFlow < len(s.flow) {
		s.flow[s.nFlow] = flowLevel{bracket: c}
		s.nFlow++
	}
	return s.value(i)
}

func (s *scanner) closeFlow(c byte) {
	if c == ']' {
		s.seqs--
		s.openSeqs = max(s.openSeqs-1, 0)
	} else {
		s.maps--
		s.openMaps = max(s.openMaps-1, 0)
	}
	opener := byte('[')
	if c == '}' {
		opener = '{'
	}
	if s.nFlow > 0 && s.flow[s.nFlow-1].bracket == opener {
		s.closePair()
		s.nFlow--
	}
	if s.openSeqs+s.openMaps == 0 {
		s.flowEntries = 0
		s.nFlow, s.pairs = 0, 0
	}
}

// openPair notes a "key:" separator: directly inside "[", the pair is a
// mapping of its own, open until the next "," or the "]".
func (s *scanner) openPair() {
	if s.nFlow > 0 && s.flow[s.nFlow-1].bracket == '[' && !s.flow[s.nFlow-1].pair {
		s.flow[s.nFlow-1].pair = true
		s.pairs++
	}
}

func (s *scanner) closePair() {
	if s.nFlow > 0 && s.flow[s.nFlow-1].pair {
		s.flow[s.nFlow-1].pair = false
		s.pairs--
	}
}

// isMergeKey says whether rest, what follows a "<<", makes it a merge
// key for the library: spaces, then ":" and a space or the line's end.
func isMergeKey(rest []byte) bool {
	rest = bytes.TrimLeft(rest, " ")
	return len(rest) > 0 && rest[0] == ':' && (len(rest) == 1 || rest[1] == ' ')
}

// nextToken is the index of the first non-space byte of the line from i.
func nextToken(line []byte, i int) int {
	for i < len(line) && isSpace(line[i]) {
		i++
	}
	return i
}

// skipQuoted moves past quoted text from byte i of the line, closing the
// quote if it ends on this line.
func (s *scanner) skipQuoted(i int) int {
	line := s.cur
	for ; i < len(line); i++ {
		switch c := line[i]; {
		case s.quote == '"' && c == '\\':
			i++ // the escaped byte, or the line break after a trailing \
		case c == s.quote && s.quote == '\'' && i+1 < len(line) && line[i+1] == '\'':
			i++ // '' is a quote inside single quotes
		case c == s.quote:
			s.quote = 0
			return i + 1
		}
	}
	return i
}

// blockScalarHeader says whether rest, what follows a | or >, ends a
// block scalar's header: indicators, then nothing but a comment.
func blockScalarHeader(rest []byte) bool {
	i := 0
	for i < len(rest) && (rest[i] == '-' || rest[i] == '+' || rest[i] >= '0' && rest[i] <= '9') {
		i++
	}
	if i < len(rest) && !isSpace(rest[i]) {
		return false
	}
	for i < len(rest) && isSpace(rest[i]) {
		i++
	}
	return i == len(rest) || rest[i] == '#'
}

// block is an open block collection: a mapping or line at column col, or
// a sequence whose entries are at col.
type block struct {
	col   int
	entry bool
	// sticky is set on an entry whose lines at its own column are its
	// value (see nestNext): they do not close it, only a sibling entry
	// does.
	sticky bool
}

func (s *scanner) top() *block {
	if s.nBlocks == 0 {
		return &block{col: -1}
	}
	return &s.blocks[s.nBlocks-1]
}

// openKey moves to a line or key at column col: the blocks right of it
// close, and so does a sequence whose entries are at col; the mapping at
// col opens unless it is open. With nest, after an entry with no value, a
// level opens inside that entry even at its column (see nestNext).
func (s *scanner) openKey(col int, nest bool) error {
	for t := s.top(); t.col > col || t.col == col && t.entry && !t.sticky && !nest; t = s.top() {
		s.nBlocks--
	}
	switch t := s.top(); {
	case nest && t.col == col && t.entry:
		t.sticky = true
	case !nest && t.col == col:
		return nil
	}
	return s.push(block{col: col}, col)
}

// openEntry moves to a "- " or "? " at column col: the blocks right of it
// and a sibling entry close, and the entry's sequence opens.
func (s *scanner) openEntry(col int) error {
	for t := s.top(); t.col > col || t.col == col && t.entry; t = s.top() {
		s.nBlocks--
	}
	return s.push(block{col: col, entry: true}, col)
}

func (s *scanner) push(b block, i int) error {
	s.blocks[s.nBlocks] = b
	s.nBlocks++
	return s.checkDepth(i)
}

func (s *scanner) checkDepth(i int) error {
	s.deepest = max(s.deepest, s.nBlocks)
	blocks := s.nBlocks
	if s.merges > 0 {
		// A merge key can nest under any line before it, even one left of
		// it and deeper than where it stands ("0:\n 0:\n  0:\n0<<: " is 4
		// deep: FuzzParse found it): count from the deepest seen.
		blocks = s.deepest
	}
	d := blocks + s.openSeqs + s.openMaps + s.flowEntries + s.pairs + 2*s.merges
	s.stats.depth = max(s.stats.depth, d)
	if d > MaxDepth {
		var merges string
		if s.merges > 0 {
			merges = fmt.Sprintf(", counting each of its %d << merge keys as 2", s.merges)
		}
		return s.errorAt(i, "nested more than %d levels deep%s (a fossamaint config needs about 5)", MaxDepth, merges)
	}
	return nil
}

// value counts a value starting at byte i.
func (s *scanner) value(i int) error {
	s.stats.values++
	if s.stats.values > MaxValues {
		return s.errorAt(i, "more than %d values (a fossamaint config has a few hundred)", MaxValues)
	}
	return s.checkDepth(i)
}

func (s *scanner) errorAt(i int, format string, a ...any) error {
	col := utf8.RuneCount(s.cur[:min(i, len(s.cur))]) + 1
	return &posError{line: s.line, col: col, msg: fmt.Sprintf(format, a...) + ": is this the right file?"}
}
