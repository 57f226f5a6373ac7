package parser

import (
	"math"
	"strconv"
	"strings"
)

// Format renders a node as canonical SQL: keywords in upper case, identifiers
// in lower case (quoted when they must be), single spaces, and parentheses
// only where precedence needs them. Parsing the result gives back the same
// tree, positions aside.
func Format(n Node) string {
	var f formatter
	f.node(n)
	return f.String()
}

type formatter struct {
	strings.Builder
}

func (f *formatter) node(n Node) {
	switch n := n.(type) {
	case Stmt:
		f.stmt(n)
	case Expr:
		f.expr(n, 0)
	case FromItem:
		f.fromItem(n)
	case *TypeName:
		f.typeName(n)
	case Ident:
		f.ident(n)
	case *Option:
		f.option(n)
	default:
		f.WriteString("<?>")
	}
}

func (f *formatter) stmt(s Stmt) {
	switch s := s.(type) {
	case *SelectStmt:
		f.selectStmt(s)
	case *InsertStmt:
		f.WriteString("INSERT INTO ")
		f.ident(s.Sink)
		f.WriteByte(' ')
		f.selectStmt(s.Query)
	case *CreateSourceStmt:
		f.createRel("SOURCE", s.IfNotExists, s.Name, s.Columns, s.Options)
	case *CreateSinkStmt:
		f.createRel("SINK", s.IfNotExists, s.Name, s.Columns, s.Options)
	case *CreateViewStmt:
		f.WriteString("CREATE VIEW ")
		if s.IfNotExists {
			f.WriteString("IF NOT EXISTS ")
		}
		f.ident(s.Name)
		f.WriteString(" AS ")
		f.selectStmt(s.Query)
	case *DropStmt:
		f.WriteString("DROP " + s.Kind.String() + " ")
		if s.IfExists {
			f.WriteString("IF EXISTS ")
		}
		f.ident(s.Name)
	case *ExplainStmt:
		f.WriteString("EXPLAIN ")
		switch s.Mode {
		case ExplainLogical:
			f.WriteString("LOGICAL ")
		case ExplainPhysical:
			f.WriteString("PHYSICAL ")
		}
		f.stmt(s.Stmt)
	case *SetStmt:
		f.WriteString("SET ")
		f.key(s.Key)
		f.WriteString(" = ")
		f.expr(s.Value, 0)
	case *ResetStmt:
		f.WriteString("RESET")
		if s.Key != "" {
			f.WriteByte(' ')
			f.key(s.Key)
		}
	case *ShowStmt:
		f.WriteString("SHOW " + s.What.String())
		if s.Job != "" {
			f.WriteString(" FOR ")
			f.str(s.Job)
		}
	case *DescribeStmt:
		f.WriteString("DESCRIBE ")
		f.ident(s.Name)
	case *DescribeJobStmt:
		f.WriteString("DESCRIBE JOB ")
		f.str(s.Job)
	case *CancelJobStmt:
		f.WriteString("CANCEL JOB ")
		f.str(s.Job)
	case *StopJobStmt:
		f.WriteString("STOP JOB ")
		f.str(s.Job)
		if s.Savepoint {
			f.WriteString(" WITH SAVEPOINT")
		}
	}
}

func (f *formatter) createRel(kind string, ifNotExists bool, name Ident, cols []*ColumnDef, opts []*Option) {
	f.WriteString("CREATE " + kind + " ")
	if ifNotExists {
		f.WriteString("IF NOT EXISTS ")
	}
	f.ident(name)
	if len(cols) > 0 {
		f.WriteString(" (")
		for i, c := range cols {
			if i > 0 {
				f.WriteString(", ")
			}
			f.ident(c.Name)
			f.WriteByte(' ')
			f.typeName(c.Type)
		}
		f.WriteByte(')')
	}
	f.WriteString(" WITH (")
	f.options(opts)
	f.WriteByte(')')
}

func (f *formatter) options(opts []*Option) {
	for i, o := range opts {
		if i > 0 {
			f.WriteString(", ")
		}
		f.option(o)
	}
}

func (f *formatter) option(o *Option) {
	f.key(o.Key)
	f.WriteString(" = ")
	f.expr(o.Value, 0)
}

// key writes an option or setting name: bare when it is a dotted sequence of
// plain words, quoted otherwise.
func (f *formatter) key(k string) {
	plain := k != ""
	for _, part := range strings.Split(k, ".") {
		if !isPlainIdent(part) || isReserved(part) {
			plain = false
		}
	}
	if plain {
		f.WriteString(k)
	} else {
		f.str(k)
	}
}

func (f *formatter) selectStmt(s *SelectStmt) {
	f.WriteString("SELECT ")
	if s.Distinct {
		f.WriteString("DISTINCT ")
	}
	for i, it := range s.Items {
		if i > 0 {
			f.WriteString(", ")
		}
		switch {
		case it.Star && it.Qualifier != nil:
			f.ident(*it.Qualifier)
			f.WriteString(".*")
		case it.Star:
			f.WriteByte('*')
		default:
			f.expr(it.Expr, 0)
		}
		if it.Alias != nil {
			f.WriteString(" AS ")
			f.ident(*it.Alias)
		}
	}
	if s.From != nil {
		f.WriteString(" FROM ")
		f.fromItem(s.From)
	}
	if s.Where != nil {
		f.WriteString(" WHERE ")
		f.expr(s.Where, 0)
	}
	if len(s.GroupBy) > 0 {
		f.WriteString(" GROUP BY ")
		f.exprList(s.GroupBy)
	}
	if s.Having != nil {
		f.WriteString(" HAVING ")
		f.expr(s.Having, 0)
	}
	if len(s.Options) > 0 {
		f.WriteString(" WITH (")
		f.options(s.Options)
		f.WriteByte(')')
	}
}

func (f *formatter) fromItem(item FromItem) {
	switch it := item.(type) {
	case *TableName:
		f.ident(it.Name)
		f.alias(it.Alias)
	case *TableFunc:
		f.ident(it.Name)
		f.WriteByte('(')
		f.exprList(it.Args)
		f.WriteByte(')')
		f.alias(it.Alias)
	case *Values:
		f.WriteString("(VALUES ")
		for i, row := range it.Rows {
			if i > 0 {
				f.WriteString(", ")
			}
			f.WriteByte('(')
			f.exprList(row)
			f.WriteByte(')')
		}
		f.WriteByte(')')
		f.alias(it.Alias)
	case *Unnest:
		f.WriteString("UNNEST(")
		f.expr(it.Array, 0)
		f.WriteByte(')')
		f.alias(it.Alias)
	case *Subquery:
		f.WriteByte('(')
		f.selectStmt(it.Query)
		f.WriteByte(')')
		f.alias(it.Alias)
	case *Join:
		f.fromItem(it.Left)
		f.WriteString(" " + it.Kind.String() + " ")
		f.fromItem(it.Right)
		if it.On != nil {
			f.WriteString(" ON ")
			f.expr(it.On, 0)
		}
	}
}

func (f *formatter) alias(a *TableAlias) {
	if a == nil {
		return
	}
	f.WriteString(" AS ")
	f.ident(a.Name)
	if len(a.Columns) > 0 {
		f.WriteByte('(')
		for i, c := range a.Columns {
			if i > 0 {
				f.WriteString(", ")
			}
			f.ident(c)
		}
		f.WriteByte(')')
	}
}

func (f *formatter) exprList(es []Expr) {
	for i, e := range es {
		if i > 0 {
			f.WriteString(", ")
		}
		f.expr(e, 0)
	}
}

// exprPrec is the binding power of the outermost operator of e; operands
// that bind tighter than anything get precUnary+1.
func exprPrec(e Expr) int {
	switch e := e.(type) {
	case *BinaryExpr:
		return binaryPrec(e.Op)
	case *UnaryExpr:
		return unaryPrec(e.Op)
	case *IsExpr:
		return precIs
	case *InExpr, *BetweenExpr:
		return precLike
	case *IntLit:
		if e.Value < 0 {
			return precUnary
		}
	case *FloatLit:
		if math.Signbit(e.Value) {
			return precUnary
		}
	}
	return precUnary + 1
}

// expr writes e, parenthesized if it binds looser than minPrec.
func (f *formatter) expr(e Expr, minPrec int) {
	if exprPrec(e) < minPrec {
		f.WriteByte('(')
		f.expr(e, 0)
		f.WriteByte(')')
		return
	}
	switch e := e.(type) {
	case *IntLit:
		f.WriteString(strconv.FormatInt(e.Value, 10))
	case *FloatLit:
		f.WriteString(formatFloat(e.Value))
	case *StringLit:
		f.str(e.Value)
	case *BoolLit:
		if e.Value {
			f.WriteString("TRUE")
		} else {
			f.WriteString("FALSE")
		}
	case *NullLit:
		f.WriteString("NULL")
	case *IntervalLit:
		f.WriteString("INTERVAL ")
		f.str(e.Value)
		if e.Unit != "" {
			f.WriteString(" " + e.Unit)
		}
	case *TimestampLit:
		f.WriteString("TIMESTAMP ")
		f.str(e.Value)
	case *ColumnRef:
		if e.Table != nil {
			f.ident(*e.Table)
			f.WriteByte('.')
		}
		f.ident(e.Column)
	case *UnaryExpr:
		f.WriteString(e.Op.String())
		if e.Op == OpNot {
			f.WriteByte(' ')
		}
		// A unary operand binds as tightly as the operator itself; anything
		// looser, or a sign that would read as a comment (--), gets parentheses.
		min := unaryPrec(e.Op)
		if e.Op != OpNot {
			min = precUnary + 1
		}
		if e.Op == OpNeg && isNumberLit(e.X) {
			// -(5) must not print as -5, which parses as the literal -5.
			min = math.MaxInt
		}
		f.expr(e.X, min)
	case *BinaryExpr:
		p := binaryPrec(e.Op)
		f.expr(e.L, p)
		f.WriteString(" " + e.Op.String() + " ")
		f.expr(e.R, p+1)
	case *IsExpr:
		f.expr(e.X, precIs)
		f.WriteString(" IS ")
		if e.Not {
			f.WriteString("NOT ")
		}
		f.WriteString(e.What.String())
	case *InExpr:
		f.expr(e.X, precLike+1)
		if e.Not {
			f.WriteString(" NOT")
		}
		f.WriteString(" IN (")
		f.exprList(e.List)
		f.WriteByte(')')
	case *BetweenExpr:
		f.expr(e.X, precLike+1)
		if e.Not {
			f.WriteString(" NOT")
		}
		f.WriteString(" BETWEEN ")
		f.expr(e.Lo, precConcat)
		f.WriteString(" AND ")
		f.expr(e.Hi, precConcat)
	case *CaseExpr:
		f.WriteString("CASE")
		if e.Operand != nil {
			f.WriteByte(' ')
			f.expr(e.Operand, 0)
		}
		for _, w := range e.Whens {
			f.WriteString(" WHEN ")
			f.expr(w.Cond, 0)
			f.WriteString(" THEN ")
			f.expr(w.Result, 0)
		}
		if e.Else != nil {
			f.WriteString(" ELSE ")
			f.expr(e.Else, 0)
		}
		f.WriteString(" END")
	case *CastExpr:
		f.WriteString("CAST(")
		f.expr(e.X, 0)
		f.WriteString(" AS ")
		f.typeName(e.Type)
		f.WriteByte(')')
	case *CallExpr:
		f.ident(e.Name)
		f.WriteByte('(')
		switch {
		case e.Star:
			f.WriteByte('*')
		default:
			if e.Distinct {
				f.WriteString("DISTINCT ")
			}
			f.exprList(e.Args)
		}
		f.WriteByte(')')
		if e.Filter != nil {
			f.WriteString(" FILTER (WHERE ")
			f.expr(e.Filter, 0)
			f.WriteByte(')')
		}
	}
}

func isNumberLit(e Expr) bool {
	switch e.(type) {
	case *IntLit, *FloatLit:
		return true
	}
	return false
}

func (f *formatter) typeName(t *TypeName) {
	f.WriteString(t.Name)
	if t.Elem != nil {
		f.WriteByte('<')
		f.typeName(t.Elem)
		f.WriteByte('>')
	}
}

func (f *formatter) ident(id Ident) {
	f.WriteString(QuoteIdent(id))
}

func (f *formatter) str(s string) {
	f.WriteString(QuoteString(s))
}

// QuoteString renders s as a SQL string literal.
func QuoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// QuoteIdent renders an identifier so that it parses back to itself: bare
// when it was not quoted and is a plain lower-case word that is not
// reserved, quoted otherwise.
func QuoteIdent(id Ident) string {
	if !id.Quoted && isPlainIdent(id.Name) && !isReserved(id.Name) {
		return id.Name
	}
	return `"` + strings.ReplaceAll(id.Name, `"`, `""`) + `"`
}

// isPlainIdent reports whether s lexes as one lower-case identifier.
func isPlainIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r == '_':
		case i > 0 && (r >= '0' && r <= '9' || r == '$'):
		default:
			return false
		}
	}
	return true
}

// formatFloat writes a float so that it lexes back as a float (never as an
// integer) with the same value.
func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "CAST('Infinity' AS DOUBLE)"
	case math.IsInf(v, -1):
		return "CAST('-Infinity' AS DOUBLE)"
	case math.IsNaN(v):
		return "CAST('NaN' AS DOUBLE)"
	}
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return s
}
