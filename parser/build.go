package parser

import (
	"math"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// builder turns the parse tree of grammar.go into the AST of ast.go. It stops
// at the first error (an out-of-range literal, an empty quoted identifier).
type builder struct {
	err error
}

func (b *builder) fail(at lexer.Position, format string, args ...any) {
	if b.err == nil {
		b.err = Errorf(pos(at), format, args...)
	}
}

func pos(p lexer.Position) Pos {
	return Pos{File: p.Filename, Offset: p.Offset, Line: p.Line, Col: p.Column}
}

func (b *builder) stmt(g *stmtG) Stmt {
	switch {
	case g.Explain != nil:
		mode := ExplainAll
		if g.Explain.Logical {
			mode = ExplainLogical
		} else if g.Explain.Physical {
			mode = ExplainPhysical
		}
		var inner Stmt
		if g.Explain.Insert != nil {
			inner = b.insert(g.Explain.Insert)
		} else {
			inner = b.selectStmt(g.Explain.Select)
		}
		return &ExplainStmt{At: pos(g.Pos), Mode: mode, Stmt: inner}
	case g.Select != nil:
		return b.selectStmt(g.Select)
	case g.Insert != nil:
		return b.insert(g.Insert)
	case g.Create != nil:
		return b.create(g.Create)
	case g.Drop != nil:
		d := g.Drop
		kind := ObjectSource
		if d.Sink {
			kind = ObjectSink
		} else if d.View {
			kind = ObjectView
		}
		return &DropStmt{At: pos(d.Pos), Kind: kind, IfExists: d.IfExists, Name: b.ident(d.Name)}
	case g.Set != nil:
		return &SetStmt{At: pos(g.Set.Pos), Key: optionKey(g.Set.Key.Name), KeyAt: pos(g.Set.Key.Pos), Value: b.value(g.Set.Value)}
	case g.Reset != nil:
		r := &ResetStmt{At: pos(g.Reset.Pos)}
		if g.Reset.Key != nil {
			r.Key, r.KeyAt = optionKey(g.Reset.Key.Name), pos(g.Reset.Key.Pos)
		}
		return r
	case g.Show != nil:
		return b.show(g.Show)
	case g.Describe != nil:
		if g.Describe.Job != nil {
			return &DescribeJobStmt{At: pos(g.Describe.Pos), Job: b.str(g.Describe.Pos, *g.Describe.Job)}
		}
		return &DescribeStmt{At: pos(g.Describe.Pos), Name: b.ident(g.Describe.Name)}
	case g.Cancel != nil:
		return &CancelJobStmt{At: pos(g.Cancel.Pos), Job: b.str(g.Cancel.Pos, g.Cancel.Job)}
	case g.Stop != nil:
		return &StopJobStmt{At: pos(g.Stop.Pos), Job: b.str(g.Stop.Pos, g.Stop.Job), Savepoint: g.Stop.Savepoint}
	}
	b.fail(g.Pos, "empty statement")
	return nil
}

func (b *builder) show(g *showG) Stmt {
	s := &ShowStmt{At: pos(g.Pos)}
	if g.Checkpoints {
		s.What = ShowCheckpoints
		if g.For != nil {
			s.Job = *g.For
			if strings.HasPrefix(s.Job, "'") {
				s.Job = b.str(g.Pos, s.Job)
			}
		}
		return s
	}
	for kind, word := range showKeywords {
		if strings.EqualFold(word, g.What) {
			s.What = kind
		}
	}
	return s
}

func (b *builder) create(g *createG) Stmt {
	at := pos(g.Pos)
	switch {
	case g.Source != nil:
		return &CreateSourceStmt{At: at, IfNotExists: g.Source.IfNotExists, Name: b.ident(g.Source.Name),
			Columns: b.columns(g.Source.Columns), Options: b.options(g.Source.Options)}
	case g.Sink != nil:
		return &CreateSinkStmt{At: at, IfNotExists: g.Sink.IfNotExists, Name: b.ident(g.Sink.Name),
			Columns: b.columns(g.Sink.Columns), Options: b.options(g.Sink.Options)}
	default:
		return &CreateViewStmt{At: at, IfNotExists: g.View.IfNotExists, Name: b.ident(g.View.Name),
			Query: b.selectStmt(g.View.Query)}
	}
}

func (b *builder) columns(gs []*columnG) []*ColumnDef {
	var cols []*ColumnDef
	for _, g := range gs {
		cols = append(cols, &ColumnDef{At: pos(g.Pos), Name: b.ident(g.Name), Type: b.typeName(g.Type)})
	}
	return cols
}

func (b *builder) typeName(g *typeG) *TypeName {
	t := &TypeName{At: pos(g.Pos), Name: strings.ToUpper(g.Name)}
	if g.Elem != nil {
		t.Elem = b.typeName(g.Elem)
	}
	return t
}

func (b *builder) insert(g *insertG) *InsertStmt {
	return &InsertStmt{At: pos(g.Pos), Sink: b.ident(g.Sink), Query: b.selectStmt(g.Query)}
}

func (b *builder) options(gs []*optionG) []*Option {
	var opts []*Option
	for _, g := range gs {
		opts = append(opts, &Option{At: pos(g.Pos), Key: optionKey(g.Key), Value: b.value(g.Value)})
	}
	return opts
}

// optionKey normalizes an option or setting name: keys are case-insensitive
// and may be written quoted, as Flink users do ('checkpoint_interval' = ...).
func optionKey(raw string) string {
	if strings.HasPrefix(raw, "'") {
		raw = unquote(raw, '\'')
	}
	return strings.ToLower(raw)
}

func (b *builder) value(g *valueG) Expr {
	at := pos(g.Pos)
	switch {
	case g.String != nil:
		return &StringLit{At: at, Value: b.str(g.Pos, *g.String)}
	case g.Float != nil:
		return b.float(g.Pos, *g.Float, false)
	case g.Int != nil:
		return b.int(g.Pos, *g.Int, false)
	case g.Neg != nil:
		switch inner := g.Neg; {
		case inner.Int != nil:
			return b.int(g.Pos, *inner.Int, true)
		case inner.Float != nil:
			return b.float(g.Pos, *inner.Float, true)
		}
		b.fail(g.Pos, "only a number can be negated here")
		return &NullLit{At: at}
	case g.True:
		return &BoolLit{At: at, Value: true}
	case g.False:
		return &BoolLit{At: at, Value: false}
	default:
		return &StringLit{At: at, Value: *g.Word}
	}
}

func (b *builder) selectStmt(g *selectG) *SelectStmt {
	s := &SelectStmt{At: pos(g.Pos), Distinct: g.Distinct}
	for _, it := range g.Items {
		item := &SelectItem{At: pos(it.Pos)}
		switch {
		case it.Star:
			item.Star = true
		case it.Qualifier != nil:
			q := b.ident(it.Qualifier)
			item.Star, item.Qualifier = true, &q
		default:
			item.Expr = b.expr(it.Expr)
		}
		if it.Alias != nil {
			a := b.ident(it.Alias)
			item.Alias = &a
		}
		s.Items = append(s.Items, item)
	}
	if g.From != nil {
		s.From = b.from(g.From)
	}
	if g.Where != nil {
		s.Where = b.expr(g.Where)
	}
	for _, e := range g.GroupBy {
		s.GroupBy = append(s.GroupBy, b.expr(e))
	}
	if g.Having != nil {
		s.Having = b.expr(g.Having)
	}
	s.Options = b.options(g.Options)
	return s
}

func (b *builder) from(g *fromG) FromItem {
	left := b.fromItem(g.First)
	for _, j := range g.Joins {
		kind := JoinInner
		switch {
		case j.Comma, j.Cross:
			kind = JoinCross
		case j.Left:
			kind = JoinLeft
		case j.Right:
			kind = JoinRight
		case j.Full:
			kind = JoinFull
		}
		join := &Join{At: pos(j.Pos), Kind: kind, Left: left, Right: b.fromItem(j.Item)}
		if j.On != nil {
			join.On = b.expr(j.On)
		}
		left = join
	}
	return left
}

func (b *builder) fromItem(g *fromItemG) FromItem {
	at := pos(g.Pos)
	var alias *TableAlias
	if g.Alias != nil {
		alias = &TableAlias{At: pos(g.Alias.Pos), Name: b.ident(g.Alias.Name)}
		for _, c := range g.Alias.Columns {
			alias.Columns = append(alias.Columns, b.ident(c))
		}
	}
	switch {
	case g.Unnest != nil:
		return &Unnest{At: at, Array: b.expr(g.Unnest), Alias: alias}
	case g.Values != nil:
		return &Values{At: at, Rows: b.rows(g.Values), Alias: alias}
	case g.Paren != nil && g.Paren.Values != nil:
		return &Values{At: at, Rows: b.rows(g.Paren.Values), Alias: alias}
	case g.Paren != nil:
		return &Subquery{At: at, Query: b.selectStmt(g.Paren.Select), Alias: alias}
	case g.Call != nil:
		return &TableFunc{At: at, Name: b.ident(g.Name), Args: b.exprs(g.Call.Args), Alias: alias}
	default:
		return &TableName{At: at, Name: b.ident(g.Name), Alias: alias}
	}
}

func (b *builder) rows(gs []*rowG) [][]Expr {
	var rows [][]Expr
	for _, r := range gs {
		rows = append(rows, b.exprs(r.Values))
	}
	return rows
}

func (b *builder) exprs(gs []*exprG) []Expr {
	var out []Expr
	for _, g := range gs {
		out = append(out, b.expr(g))
	}
	return out
}

func (b *builder) ident(g *identG) Ident {
	at := pos(g.Pos)
	if g.Quoted == "" {
		return Ident{At: at, Name: strings.ToLower(g.Plain)}
	}
	name := unquote(g.Quoted, '"')
	if name == "" {
		b.fail(g.Pos, "zero-length quoted identifier")
	}
	return Ident{At: at, Name: name, Quoted: true}
}

// str unquotes a string literal token ('it”s' -> it's).
func (b *builder) str(_ lexer.Position, tok string) string {
	return unquote(tok, '\'')
}

func unquote(tok string, q byte) string {
	inner := tok[1 : len(tok)-1]
	return strings.ReplaceAll(inner, string([]byte{q, q}), string(q))
}

func (b *builder) int(at lexer.Position, text string, neg bool) Expr {
	u, err := strconv.ParseUint(text, 10, 64)
	switch {
	case err == nil && neg && u == 1<<63:
		return &IntLit{At: pos(at), Value: math.MinInt64}
	case err != nil || u > math.MaxInt64:
		b.fail(at, "integer literal %s is out of range for BIGINT", text)
		return &IntLit{At: pos(at)}
	case neg:
		return &IntLit{At: pos(at), Value: -int64(u)}
	}
	return &IntLit{At: pos(at), Value: int64(u)}
}

func (b *builder) float(at lexer.Position, text string, neg bool) Expr {
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		b.fail(at, "float literal %s is out of range for DOUBLE", text)
	}
	if neg {
		f = -f
	}
	return &FloatLit{At: pos(at), Value: f}
}

// intervalUnits are the units of an INTERVAL literal: fixed lengths of
// time (months and years are not).
var intervalUnits = map[string]bool{
	"MILLISECOND": true, "MILLISECONDS": true, "SECOND": true, "SECONDS": true, "MINUTE": true, "MINUTES": true,
	"HOUR": true, "HOURS": true, "DAY": true, "DAYS": true,
}

// ---- expressions: precedence climbing over the flat parse ----

// Binding powers, loosest first, as in PostgreSQL: OR < AND < NOT < IS <
// comparison < LIKE/IN/BETWEEN < || < + - < * / % < unary minus.
const (
	precOr = iota + 1
	precAnd
	precNot
	precIs
	precCompare
	precLike
	precConcat
	precAdd
	precMul
	precUnary
)

type itemKind int

const (
	itemOperand itemKind = iota
	itemPrefix
	itemBinary
	itemPostfix
)

// item is one element of an expression in source order.
type item struct {
	kind    itemKind
	at      Pos
	prec    int
	operand Expr
	unary   UnaryOp
	binary  BinaryOp
	postfix func(x Expr) Expr
}

var binaryOpByToken = map[string]BinaryOp{
	"OR": OpOr, "AND": OpAnd, "=": OpEq, "<>": OpNe, "!=": OpNe, "<": OpLt, "<=": OpLe, ">": OpGt, ">=": OpGe,
	"LIKE": OpLike, "||": OpConcat, "+": OpAdd, "-": OpSub, "*": OpMul, "/": OpDiv, "%": OpMod,
}

// binaryPrec is the binding power of each infix operator.
func binaryPrec(op BinaryOp) int {
	switch op {
	case OpOr:
		return precOr
	case OpAnd:
		return precAnd
	case OpEq, OpNe, OpLt, OpLe, OpGt, OpGe:
		return precCompare
	case OpLike, OpNotLike:
		return precLike
	case OpConcat:
		return precConcat
	case OpAdd, OpSub:
		return precAdd
	default:
		return precMul
	}
}

func unaryPrec(op UnaryOp) int {
	if op == OpNot {
		return precNot
	}
	return precUnary
}

func (b *builder) expr(g *exprG) Expr {
	items := b.unaryItems(nil, g.First)
	for _, t := range g.Tails {
		at := pos(t.Pos)
		switch {
		case t.Op != nil:
			op := binaryOpByToken[strings.ToUpper(t.Op.Value)]
			items = append(items, item{kind: itemBinary, at: pos(t.Op.Pos), binary: op, prec: binaryPrec(op)})
			items = b.unaryItems(items, t.Right)
		case t.Is != nil:
			is := t.Is
			what := IsNull
			if is.True {
				what = IsTrue
			} else if is.False {
				what = IsFalse
			}
			items = append(items, item{kind: itemPostfix, at: at, prec: precIs, postfix: func(x Expr) Expr {
				return &IsExpr{At: at, X: x, Not: is.Not, What: what}
			}})
		case t.NotLike != nil:
			items = append(items, item{kind: itemBinary, at: at, binary: OpNotLike, prec: precLike})
			items = b.unaryItems(items, t.NotLike)
		case t.In != nil:
			list, not := b.exprs(t.In), t.Not
			items = append(items, item{kind: itemPostfix, at: at, prec: precLike, postfix: func(x Expr) Expr {
				return &InExpr{At: at, X: x, Not: not, List: list}
			}})
		case t.Between != nil:
			lo, hi, not := b.arith(t.Between.Lo), b.arith(t.Between.Hi), t.Not
			items = append(items, item{kind: itemPostfix, at: at, prec: precLike, postfix: func(x Expr) Expr {
				return &BetweenExpr{At: at, X: x, Not: not, Lo: lo, Hi: hi}
			}})
		}
	}
	return climb(items)
}

func (b *builder) arith(g *arithG) Expr {
	items := b.unaryItems(nil, g.First)
	for _, t := range g.Tails {
		op := binaryOpByToken[t.Op.Value]
		items = append(items, item{kind: itemBinary, at: pos(t.Op.Pos), binary: op, prec: binaryPrec(op)})
		items = b.unaryItems(items, t.Right)
	}
	return climb(items)
}

// unaryItems appends an operand and its prefix operators. A minus directly
// before a numeric literal is folded into the literal, so that -5 is the
// literal -5 (and the smallest BIGINT can be written).
func (b *builder) unaryItems(items []item, g *unaryG) []item {
	prefix := g.Prefix
	var operand Expr
	if n := len(prefix); n > 0 && prefix[n-1].Op == "-" && (g.Operand.Int != nil || g.Operand.Float != nil) {
		if g.Operand.Int != nil {
			operand = b.int(g.Operand.Pos, *g.Operand.Int, true)
		} else {
			operand = b.float(g.Operand.Pos, *g.Operand.Float, true)
		}
		setPos(operand, pos(prefix[n-1].Pos))
		prefix = prefix[:n-1]
	} else {
		operand = b.primary(g.Operand)
	}
	for _, tok := range prefix {
		op := OpPlus
		switch strings.ToUpper(tok.Op) {
		case "NOT":
			op = OpNot
		case "-":
			op = OpNeg
		}
		items = append(items, item{kind: itemPrefix, at: pos(tok.Pos), unary: op, prec: unaryPrec(op)})
	}
	return append(items, item{kind: itemOperand, operand: operand})
}

func setPos(e Expr, at Pos) {
	switch e := e.(type) {
	case *IntLit:
		e.At = at
	case *FloatLit:
		e.At = at
	}
}

// climb resolves precedence over items by precedence climbing.
func climb(items []item) Expr {
	c := &climber{items: items}
	return c.expr(0)
}

type climber struct {
	items []item
	next  int
}

func (c *climber) expr(minPrec int) Expr {
	left := c.unary()
	for c.next < len(c.items) {
		it := c.items[c.next]
		if it.prec < minPrec {
			break
		}
		c.next++
		if it.kind == itemBinary {
			right := c.expr(it.prec + 1) // left-associative
			left = &BinaryExpr{At: it.at, Op: it.binary, L: left, R: right}
		} else {
			left = it.postfix(left)
		}
	}
	return left
}

func (c *climber) unary() Expr {
	it := c.items[c.next]
	c.next++
	if it.kind == itemPrefix {
		return &UnaryExpr{At: it.at, Op: it.unary, X: c.expr(it.prec)}
	}
	return it.operand
}

func (b *builder) primary(g *primaryG) Expr {
	at := pos(g.Pos)
	switch {
	case g.Float != nil:
		return b.float(g.Pos, *g.Float, false)
	case g.Int != nil:
		return b.int(g.Pos, *g.Int, false)
	case g.String != nil:
		return &StringLit{At: at, Value: b.str(g.Pos, *g.String)}
	case g.True:
		return &BoolLit{At: at, Value: true}
	case g.False:
		return &BoolLit{At: at, Value: false}
	case g.Null:
		return &NullLit{At: at}
	case g.Interval != nil:
		lit := &IntervalLit{At: at, Value: b.str(g.Pos, g.Interval.Value)}
		if u := g.Interval.Unit; u != nil {
			// Any word after the value is its unit, so that a unit we do
			// not know is an error rather than a column alias.
			lit.Unit = strings.ToUpper(u.Plain)
			if !intervalUnits[lit.Unit] {
				b.fail(u.Pos, "unknown interval unit %s (accepted: MILLISECOND, SECOND, MINUTE, HOUR, DAY; write AS before an alias)", strings.ToUpper(u.Plain+u.Quoted))
			}
		}
		return lit
	case g.Timestamp != nil:
		return &TimestampLit{At: at, Value: b.str(g.Pos, *g.Timestamp)}
	case g.Case != nil:
		c := &CaseExpr{At: at}
		if g.Case.Operand != nil {
			c.Operand = b.expr(g.Case.Operand)
		}
		for _, w := range g.Case.Whens {
			c.Whens = append(c.Whens, &When{At: pos(w.Pos), Cond: b.expr(w.Cond), Result: b.expr(w.Result)})
		}
		if g.Case.Else != nil {
			c.Else = b.expr(g.Case.Else)
		}
		return c
	case g.Cast != nil:
		return &CastExpr{At: at, X: b.expr(g.Cast.X), Type: b.typeName(g.Cast.Type)}
	case g.Paren != nil:
		return b.expr(g.Paren)
	}
	ref := g.Ref
	name := b.ident(ref.Name)
	switch {
	case ref.Call != nil:
		call := &CallExpr{At: at, Name: name, Star: ref.Call.Star, Distinct: ref.Call.Distinct, Args: b.exprs(ref.Call.Args)}
		if ref.Call.Filter != nil {
			call.Filter = b.expr(ref.Call.Filter)
		}
		return call
	case ref.Field != nil:
		return &ColumnRef{At: at, Table: &name, Column: b.ident(ref.Field)}
	}
	return &ColumnRef{At: at, Column: name}
}
