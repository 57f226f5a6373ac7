-- One case per line. The error must be reported at the token that follows
-- the ERROR comment, with a message matching the quoted regular expression.
SELECT a b /* ERROR "syntax error at or near \"c\"" */ c FROM t
SELECT a FROM t WHERE /* ERROR "unexpected end of statement" */
SELECT a FORM /* ERROR "syntax error at or near \"t\"" */ t
SELECT /* ERROR "syntax error at or near \"FROM\"" */ FROM t
SELECT /* ERROR "unterminated string literal" */ 'abc
SELECT /* ERROR "unterminated quoted identifier" */ "abc
SELECT 1 /* ERROR "unterminated comment" */ /* never closed
SELECT a /* ERROR "unexpected character \"#\"" */ # b
SELECT /* ERROR "integer literal 9223372036854775808 is out of range for BIGINT" */ 9223372036854775808
SELECT /* ERROR "zero-length quoted identifier" */ "" FROM t
SELECT a FROM t GROUP /* ERROR "syntax error at or near \"word\"" */ word
CREATE SOURCE s (a BIGINT) /* ERROR "unexpected end of statement" */
CREATE /* ERROR "syntax error at or near \"TABLE\"" */ TABLE t (a BIGINT)
SELECT CAST(a /* ERROR "syntax error at or near \"\\)\"" */ )
SELECT a FROM t WITH (checkpoint_interval /* ERROR "syntax error at or near \"\\)\"" */ )
SELECT 1; SELECT 2; SELECT /* ERROR "syntax error at or near \"FROM\"" */ FROM
