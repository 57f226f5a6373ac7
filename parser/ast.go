package parser

import "fmt"

// Pos is a position in SQL source text. Line and Col are 1-based; Col counts
// runes. File is empty for text that did not come from a file (the -e flag,
// the REPL).
type Pos struct {
	File   string
	Offset int
	Line   int
	Col    int
}

// String renders the position as file:line:col, or line:col without a file.
func (p Pos) String() string {
	if p.File == "" {
		return fmt.Sprintf("%d:%d", p.Line, p.Col)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// IsValid reports whether the position was set by the parser.
func (p Pos) IsValid() bool { return p.Line > 0 }

// Node is any node of the syntax tree.
type Node interface {
	// Pos is where the node starts, or for operators where the operator is.
	Pos() Pos
}

// Stmt is a top-level statement. The set of statements is closed: every
// implementation lives in this file.
type Stmt interface {
	Node
	stmtNode()
}

// Expr is a scalar expression. The set is closed.
type Expr interface {
	Node
	exprNode()
}

// FromItem is a relation in a FROM clause. The set is closed.
type FromItem interface {
	Node
	fromNode()
}

// Ident is an identifier. Unquoted identifiers are folded to lower case when
// parsed, so Name of `Word` is "word"; quoted identifiers keep their case.
type Ident struct {
	At     Pos
	Name   string
	Quoted bool
}

// Pos implements Node.
func (i Ident) Pos() Pos { return i.At }

// ---- statements ----

// SelectStmt is a query: SELECT ... [FROM ...] [WHERE ...] [GROUP BY ...]
// [HAVING ...] [WITH (options)].
type SelectStmt struct {
	At       Pos
	Distinct bool
	Items    []*SelectItem
	From     FromItem // nil for SELECT without FROM
	Where    Expr
	GroupBy  []Expr
	Having   Expr
	Options  []*Option
}

// SelectItem is one entry of a select list: `*`, `t.*`, or `expr [AS alias]`.
type SelectItem struct {
	At        Pos
	Star      bool   // `*` or `qualifier.*`
	Qualifier *Ident // the table of `t.*`
	Expr      Expr
	Alias     *Ident
}

// InsertStmt is INSERT INTO sink SELECT ....
type InsertStmt struct {
	At    Pos
	Sink  Ident
	Query *SelectStmt
}

// ColumnDef declares a column of a source or sink.
type ColumnDef struct {
	At   Pos
	Name Ident
	Type *TypeName
}

// CreateSourceStmt is CREATE SOURCE name [(columns)] WITH (options).
type CreateSourceStmt struct {
	At          Pos
	IfNotExists bool
	Name        Ident
	Columns     []*ColumnDef
	Options     []*Option
}

// CreateSinkStmt is CREATE SINK name [(columns)] WITH (options).
type CreateSinkStmt struct {
	At          Pos
	IfNotExists bool
	Name        Ident
	Columns     []*ColumnDef
	Options     []*Option
}

// CreateViewStmt is CREATE VIEW name AS SELECT ....
type CreateViewStmt struct {
	At          Pos
	IfNotExists bool
	Name        Ident
	Query       *SelectStmt
}

// ObjectKind names a kind of catalog object.
type ObjectKind int

// The kinds of catalog objects.
const (
	ObjectSource ObjectKind = iota + 1
	ObjectSink
	ObjectView
)

// String returns the SQL keyword of the kind.
func (k ObjectKind) String() string {
	switch k {
	case ObjectSource:
		return "SOURCE"
	case ObjectSink:
		return "SINK"
	case ObjectView:
		return "VIEW"
	}
	return "OBJECT"
}

// DropStmt is DROP SOURCE|SINK|VIEW [IF EXISTS] name.
type DropStmt struct {
	At       Pos
	Kind     ObjectKind
	IfExists bool
	Name     Ident
}

// ExplainMode selects which plans EXPLAIN prints.
type ExplainMode int

// The explain modes.
const (
	ExplainAll ExplainMode = iota
	ExplainLogical
	ExplainPhysical
)

// ExplainStmt is EXPLAIN [LOGICAL|PHYSICAL] followed by a query or an INSERT.
type ExplainStmt struct {
	At   Pos
	Mode ExplainMode
	Stmt Stmt // *SelectStmt or *InsertStmt
}

// SetStmt is SET key = value.
type SetStmt struct {
	At    Pos
	Key   string
	KeyAt Pos
	Value Expr // a literal; an unquoted word is a *StringLit
}

// ResetStmt is RESET [key]; an empty Key resets every setting.
type ResetStmt struct {
	At    Pos
	Key   string
	KeyAt Pos
}

// ShowKind names what SHOW lists.
type ShowKind int

// The things SHOW can list.
const (
	ShowSources ShowKind = iota + 1
	ShowSinks
	ShowViews
	ShowJobs
	ShowSettings
	ShowCheckpoints
	ShowFunctions
)

var showKeywords = map[ShowKind]string{
	ShowSources: "SOURCES", ShowSinks: "SINKS", ShowViews: "VIEWS", ShowJobs: "JOBS",
	ShowSettings: "SETTINGS", ShowCheckpoints: "CHECKPOINTS", ShowFunctions: "FUNCTIONS",
}

// String returns the SQL keyword of the kind.
func (k ShowKind) String() string { return showKeywords[k] }

// ShowStmt is SHOW SOURCES|SINKS|VIEWS|JOBS|SETTINGS|FUNCTIONS or
// SHOW CHECKPOINTS [FOR job].
type ShowStmt struct {
	At   Pos
	What ShowKind
	Job  string // SHOW CHECKPOINTS FOR job
}

// DescribeStmt is DESCRIBE name.
type DescribeStmt struct {
	At   Pos
	Name Ident
}

// DescribeJobStmt is DESCRIBE JOB 'id'.
type DescribeJobStmt struct {
	At  Pos
	Job string
}

// CancelJobStmt is CANCEL JOB 'id'.
type CancelJobStmt struct {
	At  Pos
	Job string
}

// StopJobStmt is STOP JOB 'id' [WITH SAVEPOINT].
type StopJobStmt struct {
	At        Pos
	Job       string
	Savepoint bool
}

// Option is one `key = value` of a WITH (...) list.
type Option struct {
	At    Pos // the key
	Key   string
	Value Expr // a literal
}

// Pos implements Node.
func (o *Option) Pos() Pos { return o.At }

// Pos implementations for statements.

func (s *SelectStmt) Pos() Pos       { return s.At }
func (s *InsertStmt) Pos() Pos       { return s.At }
func (s *CreateSourceStmt) Pos() Pos { return s.At }
func (s *CreateSinkStmt) Pos() Pos   { return s.At }
func (s *CreateViewStmt) Pos() Pos   { return s.At }
func (s *DropStmt) Pos() Pos         { return s.At }
func (s *ExplainStmt) Pos() Pos      { return s.At }
func (s *SetStmt) Pos() Pos          { return s.At }
func (s *ResetStmt) Pos() Pos        { return s.At }
func (s *ShowStmt) Pos() Pos         { return s.At }
func (s *DescribeStmt) Pos() Pos     { return s.At }
func (s *DescribeJobStmt) Pos() Pos  { return s.At }
func (s *CancelJobStmt) Pos() Pos    { return s.At }
func (s *StopJobStmt) Pos() Pos      { return s.At }

// stmtNode seals the Stmt family.

func (*SelectStmt) stmtNode()       {}
func (*InsertStmt) stmtNode()       {}
func (*CreateSourceStmt) stmtNode() {}
func (*CreateSinkStmt) stmtNode()   {}
func (*CreateViewStmt) stmtNode()   {}
func (*DropStmt) stmtNode()         {}
func (*ExplainStmt) stmtNode()      {}
func (*SetStmt) stmtNode()          {}
func (*ResetStmt) stmtNode()        {}
func (*ShowStmt) stmtNode()         {}
func (*DescribeStmt) stmtNode()     {}
func (*DescribeJobStmt) stmtNode()  {}
func (*CancelJobStmt) stmtNode()    {}
func (*StopJobStmt) stmtNode()      {}

// Pos implements Node.
func (s *SelectItem) Pos() Pos { return s.At }

// Pos implements Node.
func (c *ColumnDef) Pos() Pos { return c.At }

// ---- FROM items ----

// TableAlias is `AS name [(col, ...)]` after a FROM item.
type TableAlias struct {
	At      Pos
	Name    Ident
	Columns []Ident
}

// TableName references a named source or view.
type TableName struct {
	At    Pos
	Name  Ident
	Alias *TableAlias
}

// TableFunc is a source function such as SOCKET('host:port'), FILE('path')
// or GENERATE_SERIES(1, 10).
type TableFunc struct {
	At    Pos
	Name  Ident
	Args  []Expr
	Alias *TableAlias
}

// Values is an inline relation: VALUES (1, 'a'), (2, 'b').
type Values struct {
	At    Pos
	Rows  [][]Expr
	Alias *TableAlias
}

// Unnest expands an array into rows: UNNEST(expr) AS t(col). Joined to the
// item before it, it is evaluated once per row of that item (a lateral join).
type Unnest struct {
	At    Pos
	Array Expr
	Alias *TableAlias
}

// Subquery is a parenthesized query used as a relation.
type Subquery struct {
	At    Pos
	Query *SelectStmt
	Alias *TableAlias
}

// JoinKind is the kind of a join.
type JoinKind int

// The join kinds. Comma and CROSS JOIN are both JoinCross.
const (
	JoinCross JoinKind = iota + 1
	JoinInner
	JoinLeft
	JoinRight
	JoinFull
)

var joinKeywords = map[JoinKind]string{
	JoinCross: "CROSS JOIN", JoinInner: "JOIN", JoinLeft: "LEFT JOIN", JoinRight: "RIGHT JOIN", JoinFull: "FULL JOIN",
}

// String returns the SQL keywords of the join kind.
func (k JoinKind) String() string { return joinKeywords[k] }

// Join combines two FROM items. On is nil for cross joins.
type Join struct {
	At    Pos // the JOIN keyword (or comma)
	Kind  JoinKind
	Left  FromItem
	Right FromItem
	On    Expr
}

// Pos implementations for FROM items.

func (f *TableName) Pos() Pos { return f.At }
func (f *TableFunc) Pos() Pos { return f.At }
func (f *Values) Pos() Pos    { return f.At }
func (f *Unnest) Pos() Pos    { return f.At }
func (f *Subquery) Pos() Pos  { return f.At }
func (f *Join) Pos() Pos      { return f.At }

// fromNode seals the FromItem family.

func (*TableName) fromNode() {}
func (*TableFunc) fromNode() {}
func (*Values) fromNode()    {}
func (*Unnest) fromNode()    {}
func (*Subquery) fromNode()  {}
func (*Join) fromNode()      {}

// ---- expressions ----

// IntLit is an integer literal.
type IntLit struct {
	At    Pos
	Value int64
}

// FloatLit is a floating-point literal.
type FloatLit struct {
	At    Pos
	Value float64
}

// StringLit is a string literal, unquoted.
type StringLit struct {
	At    Pos
	Value string
}

// BoolLit is TRUE or FALSE.
type BoolLit struct {
	At    Pos
	Value bool
}

// NullLit is NULL.
type NullLit struct {
	At Pos
}

// IntervalLit is INTERVAL 'value' unit, e.g. INTERVAL '5' SECOND. Unit is
// upper case and empty when the value carries its own unit (INTERVAL '5 s').
type IntervalLit struct {
	At    Pos
	Value string
	Unit  string
}

// TimestampLit is TIMESTAMP 'yyyy-mm-dd hh:mm:ss[.fff]'.
type TimestampLit struct {
	At    Pos
	Value string
}

// ColumnRef is a column, optionally qualified by its relation: word, t.word.
type ColumnRef struct {
	At     Pos
	Table  *Ident
	Column Ident
}

// UnaryOp is a prefix operator.
type UnaryOp int

// The prefix operators.
const (
	OpNot UnaryOp = iota + 1
	OpNeg
	OpPlus
)

// String returns the operator's SQL spelling.
func (op UnaryOp) String() string {
	switch op {
	case OpNot:
		return "NOT"
	case OpNeg:
		return "-"
	case OpPlus:
		return "+"
	}
	return "?"
}

// UnaryExpr is a prefix operator applied to an operand.
type UnaryExpr struct {
	At Pos
	Op UnaryOp
	X  Expr
}

// BinaryOp is an infix operator.
type BinaryOp int

// The infix operators.
const (
	OpOr BinaryOp = iota + 1
	OpAnd
	OpEq
	OpNe
	OpLt
	OpLe
	OpGt
	OpGe
	OpLike
	OpNotLike
	OpConcat
	OpAdd
	OpSub
	OpMul
	OpDiv
	OpMod
)

var binaryOps = map[BinaryOp]string{
	OpOr: "OR", OpAnd: "AND", OpEq: "=", OpNe: "<>", OpLt: "<", OpLe: "<=", OpGt: ">", OpGe: ">=",
	OpLike: "LIKE", OpNotLike: "NOT LIKE", OpConcat: "||", OpAdd: "+", OpSub: "-", OpMul: "*", OpDiv: "/", OpMod: "%",
}

// String returns the operator's SQL spelling.
func (op BinaryOp) String() string { return binaryOps[op] }

// BinaryExpr is L op R. At is the operator's position.
type BinaryExpr struct {
	At Pos
	Op BinaryOp
	L  Expr
	R  Expr
}

// IsPredicate is what IS tests for.
type IsPredicate int

// The IS predicates.
const (
	IsNull IsPredicate = iota + 1
	IsTrue
	IsFalse
)

// String returns the predicate's SQL keyword.
func (p IsPredicate) String() string {
	switch p {
	case IsNull:
		return "NULL"
	case IsTrue:
		return "TRUE"
	case IsFalse:
		return "FALSE"
	}
	return "?"
}

// IsExpr is X IS [NOT] NULL|TRUE|FALSE. At is the IS keyword.
type IsExpr struct {
	At   Pos
	X    Expr
	Not  bool
	What IsPredicate
}

// InExpr is X [NOT] IN (list). At is the IN keyword (or NOT before it).
type InExpr struct {
	At   Pos
	X    Expr
	Not  bool
	List []Expr
}

// BetweenExpr is X [NOT] BETWEEN Lo AND Hi.
type BetweenExpr struct {
	At  Pos
	X   Expr
	Not bool
	Lo  Expr
	Hi  Expr
}

// When is one WHEN ... THEN ... arm of a CASE.
type When struct {
	At     Pos
	Cond   Expr
	Result Expr
}

// CaseExpr is CASE [operand] WHEN ... THEN ... [ELSE ...] END.
type CaseExpr struct {
	At      Pos
	Operand Expr // nil for a searched CASE
	Whens   []*When
	Else    Expr
}

// TypeName is a type in SQL: BIGINT, STRING, ARRAY<STRING>. Name is upper
// case as written (INT, VARCHAR, ...); the planner maps synonyms.
type TypeName struct {
	At   Pos
	Name string
	Elem *TypeName // ARRAY<Elem>
}

// CastExpr is CAST(X AS Type).
type CastExpr struct {
	At   Pos
	X    Expr
	Type *TypeName
}

// CallExpr is a function call: f(args), COUNT(*), COUNT(DISTINCT x),
// SUM(x) FILTER (WHERE cond).
type CallExpr struct {
	At       Pos
	Name     Ident
	Star     bool
	Distinct bool
	Args     []Expr
	Filter   Expr
}

// Start returns where an expression's text begins. Pos is where an
// operator is (the + of a + b); Start is where a is, which is what to point
// at when the whole expression is wrong.
func Start(e Expr) Pos {
	switch x := e.(type) {
	case *BinaryExpr:
		return Start(x.L)
	case *IsExpr:
		return Start(x.X)
	case *InExpr:
		return Start(x.X)
	case *BetweenExpr:
		return Start(x.X)
	}
	return e.Pos()
}

// Pos implementations for expressions.

func (e *IntLit) Pos() Pos       { return e.At }
func (e *FloatLit) Pos() Pos     { return e.At }
func (e *StringLit) Pos() Pos    { return e.At }
func (e *BoolLit) Pos() Pos      { return e.At }
func (e *NullLit) Pos() Pos      { return e.At }
func (e *IntervalLit) Pos() Pos  { return e.At }
func (e *TimestampLit) Pos() Pos { return e.At }
func (e *ColumnRef) Pos() Pos    { return e.At }
func (e *UnaryExpr) Pos() Pos    { return e.At }
func (e *BinaryExpr) Pos() Pos   { return e.At }
func (e *IsExpr) Pos() Pos       { return e.At }
func (e *InExpr) Pos() Pos       { return e.At }
func (e *BetweenExpr) Pos() Pos  { return e.At }
func (e *CaseExpr) Pos() Pos     { return e.At }
func (e *CastExpr) Pos() Pos     { return e.At }
func (e *CallExpr) Pos() Pos     { return e.At }

// Pos implements Node.
func (t *TypeName) Pos() Pos { return t.At }

// Pos implements Node.
func (w *When) Pos() Pos { return w.At }

// exprNode seals the Expr family.

func (*IntLit) exprNode()       {}
func (*FloatLit) exprNode()     {}
func (*StringLit) exprNode()    {}
func (*BoolLit) exprNode()      {}
func (*NullLit) exprNode()      {}
func (*IntervalLit) exprNode()  {}
func (*TimestampLit) exprNode() {}
func (*ColumnRef) exprNode()    {}
func (*UnaryExpr) exprNode()    {}
func (*BinaryExpr) exprNode()   {}
func (*IsExpr) exprNode()       {}
func (*InExpr) exprNode()       {}
func (*BetweenExpr) exprNode()  {}
func (*CaseExpr) exprNode()     {}
func (*CastExpr) exprNode()     {}
func (*CallExpr) exprNode()     {}
