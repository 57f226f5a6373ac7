package parser

import "github.com/alecthomas/participle/v2/lexer"

// This file is the participle grammar: a parse tree shaped by the syntax.
// build.go turns it into the AST of ast.go, which is shaped by meaning.
//
// Expressions are parsed flat — an operand followed by (operator, operand)
// tails — and build.go applies operator precedence by precedence climbing.
// That keeps the grammar to one rule for all binary operators instead of a
// rule per precedence level.

type stmtG struct {
	Pos      lexer.Position
	Explain  *explainG  `parser:"@@"`
	Select   *selectG   `parser:"| @@"`
	Insert   *insertG   `parser:"| @@"`
	Create   *createG   `parser:"| @@"`
	Drop     *dropG     `parser:"| @@"`
	Set      *setG      `parser:"| @@"`
	Reset    *resetG    `parser:"| @@"`
	Show     *showG     `parser:"| @@"`
	Describe *describeG `parser:"| @@"`
	Cancel   *cancelG   `parser:"| @@"`
	Stop     *stopG     `parser:"| @@"`
}

type explainG struct {
	Pos      lexer.Position
	Logical  bool     `parser:"'EXPLAIN' ( @'LOGICAL'"`
	Physical bool     `parser:"| @'PHYSICAL' )?"`
	Insert   *insertG `parser:"( @@"`
	Select   *selectG `parser:"| @@ )"`
}

type selectG struct {
	Pos      lexer.Position
	Distinct bool       `parser:"'SELECT' ( @'DISTINCT' | 'ALL' )?"`
	Items    []*itemG   `parser:"@@ ( ',' @@ )*"`
	From     *fromG     `parser:"( 'FROM' @@ )?"`
	Where    *exprG     `parser:"( 'WHERE' @@ )?"`
	GroupBy  []*exprG   `parser:"( 'GROUP' 'BY' @@ ( ',' @@ )* )?"`
	Having   *exprG     `parser:"( 'HAVING' @@ )?"`
	Options  []*optionG `parser:"( 'WITH' '(' ( @@ ( ',' @@ )* )? ')' )?"`
}

type itemG struct {
	Pos       lexer.Position
	Star      bool    `parser:"(  @'*'"`
	Qualifier *identG `parser:"| @@ '.' '*'"`
	Expr      *exprG  `parser:"| @@ )"`
	Alias     *identG `parser:"( 'AS'? @@ )?"`
}

type identG struct {
	Pos    lexer.Position
	Plain  string `parser:"@Ident"`
	Quoted string `parser:"| @QuotedIdent"`
}

type fromG struct {
	First *fromItemG `parser:"@@"`
	Joins []*joinG   `parser:"@@*"`
}

type joinG struct {
	Pos   lexer.Position
	Comma bool       `parser:"(  @','"`
	Cross bool       `parser:"| @'CROSS' 'JOIN'"`
	Left  bool       `parser:"| ( @'LEFT'"`
	Right bool       `parser:"| @'RIGHT'"`
	Full  bool       `parser:"| @'FULL' ) 'OUTER'? 'JOIN'"`
	Inner bool       `parser:"| @'INNER'? 'JOIN' )"`
	Item  *fromItemG `parser:"@@"`
	On    *exprG     `parser:"( 'ON' @@ )?"`
}

type fromItemG struct {
	Pos    lexer.Position
	Unnest *exprG     `parser:"(  'UNNEST' '(' @@ ')'"`
	Values []*rowG    `parser:"| 'VALUES' @@ ( ',' @@ )*"`
	Paren  *parenRelG `parser:"| '(' @@ ')'"`
	Name   *identG    `parser:"| @@"`
	Call   *argsG     `parser:"( '(' @@ ')' )? )"`
	Alias  *aliasG    `parser:"@@?"`
}

type parenRelG struct {
	Select *selectG `parser:"@@"`
	Values []*rowG  `parser:"| 'VALUES' @@ ( ',' @@ )*"`
}

type aliasG struct {
	Pos     lexer.Position
	Name    *identG   `parser:"'AS'? @@"`
	Columns []*identG `parser:"( '(' @@ ( ',' @@ )* ')' )?"`
}

type rowG struct {
	Pos    lexer.Position
	Values []*exprG `parser:"'(' @@ ( ',' @@ )* ')'"`
}

type argsG struct {
	Args []*exprG `parser:"( @@ ( ',' @@ )* )?"`
}

type insertG struct {
	Pos   lexer.Position
	Sink  *identG  `parser:"'INSERT' 'INTO' @@"`
	Query *selectG `parser:"@@"`
}

type createG struct {
	Pos    lexer.Position
	Source *createRelG  `parser:"'CREATE' ( 'SOURCE' @@"`
	Sink   *createRelG  `parser:"| 'SINK' @@"`
	View   *createViewG `parser:"| 'VIEW' @@ )"`
}

type createRelG struct {
	IfNotExists bool       `parser:"( @'IF' 'NOT' 'EXISTS' )?"`
	Name        *identG    `parser:"@@"`
	Columns     []*columnG `parser:"( '(' @@ ( ',' @@ )* ')' )?"`
	Options     []*optionG `parser:"'WITH' '(' ( @@ ( ',' @@ )* )? ')'"`
}

type createViewG struct {
	IfNotExists bool     `parser:"( @'IF' 'NOT' 'EXISTS' )?"`
	Name        *identG  `parser:"@@"`
	Query       *selectG `parser:"'AS' @@"`
}

type columnG struct {
	Pos  lexer.Position
	Name *identG `parser:"@@"`
	Type *typeG  `parser:"@@"`
}

type typeG struct {
	Pos  lexer.Position
	Name string `parser:"@( Ident | 'INTERVAL' )"`
	Elem *typeG `parser:"( '<' @@ '>'"`
	Size []int  `parser:"| '(' @Int ( ',' @Int )? ')' )?"`
}

type optionG struct {
	Pos   lexer.Position
	Key   string  `parser:"( @Ident ( @'.' @Ident )* | @String )"`
	Value *valueG `parser:"'=' @@"`
}

// valueG is the value of an option or a SET: a literal, or a bare word that
// stands for a string (SET format = table).
type valueG struct {
	Pos    lexer.Position
	String *string `parser:"@String"`
	Float  *string `parser:"| @Float"`
	Int    *string `parser:"| @Int"`
	Neg    *valueG `parser:"| '-' @@"`
	True   bool    `parser:"| @'TRUE'"`
	False  bool    `parser:"| @'FALSE'"`
	Word   *string `parser:"| @( Ident | Keyword )"`
}

type dropG struct {
	Pos      lexer.Position
	Source   bool    `parser:"'DROP' ( @'SOURCE'"`
	Sink     bool    `parser:"| @'SINK'"`
	View     bool    `parser:"| @'VIEW' )"`
	IfExists bool    `parser:"( @'IF' 'EXISTS' )?"`
	Name     *identG `parser:"@@"`
}

type setG struct {
	Pos   lexer.Position
	Key   *keyG   `parser:"'SET' @@"`
	Value *valueG `parser:"( '=' | 'TO' ) @@"`
}

type resetG struct {
	Pos lexer.Position
	All bool  `parser:"'RESET' ( @'ALL'"`
	Key *keyG `parser:"| @@ )?"`
}

type keyG struct {
	Pos  lexer.Position
	Name string `parser:"@Ident ( @'.' @Ident )* | @String"`
}

type showG struct {
	Pos         lexer.Position
	What        string  `parser:"'SHOW' ( @( 'SOURCES' | 'SINKS' | 'VIEWS' | 'JOBS' | 'SETTINGS' | 'FUNCTIONS' )"`
	Checkpoints bool    `parser:"| @'CHECKPOINTS'"`
	For         *string `parser:"( 'FOR' ( @String | @Ident ) )? )"`
}

type describeG struct {
	Pos  lexer.Position
	Job  *string `parser:"( 'DESCRIBE' | 'DESC' ) ( 'JOB' @String"`
	Name *identG `parser:"| @@ )"`
}

type cancelG struct {
	Pos lexer.Position
	Job string `parser:"'CANCEL' 'JOB' @String"`
}

type stopG struct {
	Pos       lexer.Position
	Job       string `parser:"'STOP' 'JOB' @String"`
	Savepoint bool   `parser:"( 'WITH' @'SAVEPOINT' )?"`
}

// ---- expressions ----

// exprG is an operand followed by any number of operator tails, in source
// order; build.go resolves precedence.
type exprG struct {
	Pos   lexer.Position
	First *unaryG  `parser:"@@"`
	Tails []*tailG `parser:"@@*"`
}

// unaryG is an operand with its prefix operators.
type unaryG struct {
	Pos     lexer.Position
	Prefix  []*prefixG `parser:"@@*"`
	Operand *primaryG  `parser:"@@"`
}

type prefixG struct {
	Pos lexer.Position
	Op  string `parser:"@( 'NOT' | '-' | '+' )"`
}

type tailG struct {
	Pos     lexer.Position
	Op      *lexer.Token `parser:"(  @( 'AND' | 'OR' | '=' | '<>' | '!=' | '<=' | '>=' | '<' | '>' | '||' | '+' | '-' | '*' | '/' | '%' | 'LIKE' )"`
	Right   *unaryG      `parser:"@@"`
	Is      *isG         `parser:"| @@"`
	Not     bool         `parser:"| @'NOT'?"`
	NotLike *unaryG      `parser:"( 'LIKE' @@"`
	In      []*exprG     `parser:"| 'IN' '(' @@ ( ',' @@ )* ')'"`
	Between *betweenG    `parser:"| 'BETWEEN' @@ ) )"`
}

type isG struct {
	Pos   lexer.Position
	Not   bool `parser:"'IS' @'NOT'?"`
	Null  bool `parser:"( @'NULL'"`
	True  bool `parser:"| @'TRUE'"`
	False bool `parser:"| @'FALSE' )"`
}

// betweenG holds the bounds of BETWEEN. They are arithmetic expressions, so
// that the AND between them is not read as a logical AND.
type betweenG struct {
	Lo *arithG `parser:"@@ 'AND'"`
	Hi *arithG `parser:"@@"`
}

type arithG struct {
	Pos   lexer.Position
	First *unaryG      `parser:"@@"`
	Tails []*arithTail `parser:"@@*"`
}

type arithTail struct {
	Op    lexer.Token `parser:"@( '||' | '+' | '-' | '*' | '/' | '%' )"`
	Right *unaryG     `parser:"@@"`
}

type primaryG struct {
	Pos       lexer.Position
	Float     *string    `parser:"@Float"`
	Int       *string    `parser:"| @Int"`
	String    *string    `parser:"| @String"`
	True      bool       `parser:"| @'TRUE'"`
	False     bool       `parser:"| @'FALSE'"`
	Null      bool       `parser:"| @'NULL'"`
	Interval  *intervalG `parser:"| @@"`
	Timestamp *string    `parser:"| 'TIMESTAMP' @String"`
	Case      *caseG     `parser:"| @@"`
	Cast      *castG     `parser:"| @@"`
	Paren     *exprG     `parser:"| '(' @@ ')'"`
	Ref       *refG      `parser:"| @@"`
}

type intervalG struct {
	Value string  `parser:"'INTERVAL' @String"`
	Unit  *identG `parser:"@@?"`
}

type caseG struct {
	Operand *exprG   `parser:"'CASE' @@?"`
	Whens   []*whenG `parser:"@@+"`
	Else    *exprG   `parser:"( 'ELSE' @@ )? 'END'"`
}

type whenG struct {
	Pos    lexer.Position
	Cond   *exprG `parser:"'WHEN' @@"`
	Result *exprG `parser:"'THEN' @@"`
}

type castG struct {
	X    *exprG `parser:"'CAST' '(' @@"`
	Type *typeG `parser:"'AS' @@ ')'"`
}

// refG is a name followed by what makes it a column (t.col) or a call.
type refG struct {
	Pos   lexer.Position
	Name  *identG `parser:"@@"`
	Call  *callG  `parser:"( @@"`
	Field *identG `parser:"| '.' @@ )?"`
}

type callG struct {
	Star     bool     `parser:"'(' ( @'*'"`
	Distinct bool     `parser:"    | @'DISTINCT'?"`
	Args     []*exprG `parser:"      @@ ( ',' @@ )* )? ')'"`
	Filter   *exprG   `parser:"( 'FILTER' '(' 'WHERE' @@ ')' )?"`
}
