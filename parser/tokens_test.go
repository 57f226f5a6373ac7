package parser

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestEndsStatement(t *testing.T) {
	for src, want := range map[string]bool{
		"":                              false,
		"SELECT 1":                      false,
		"SELECT 1;":                     true,
		"SELECT 1;  -- done":            true,
		"SELECT 1; /* done */":          true,
		"SELECT ';'":                    false,
		"SELECT 'it''s;":                false, // the string is still open
		"SELECT \"a;\"":                 false,
		"SELECT 1 /* ; */":              false,
		"SELECT 1 -- ;":                 false,
		"SELECT 1 /* ;":                 false,
		"SELECT 1;\nSELECT 2":           false,
		"SELECT 'a\nb';":                true,
		"CREATE SOURCE s WITH (a='x');": true,
	} {
		if got := EndsStatement(src); got != want {
			t.Errorf("EndsStatement(%q) = %v, want %v", src, got, want)
		}
	}
}

func TestTokenize(t *testing.T) {
	got := Tokenize("SELECT t.word, 'it''s' FROM x -- c\n WHERE n >= 1.5 \"q\" 'open")
	var kinds []TokenKind
	var texts []string
	for _, tok := range got {
		kinds = append(kinds, tok.Kind)
		texts = append(texts, tok.Text)
	}
	wantTexts := []string{"SELECT", "t", ".", "word", ",", "'it''s'", "FROM", "x", "-- c", "WHERE", "n", ">=", "1.5", `"q"`, "'open"}
	wantKinds := []TokenKind{TokenWord, TokenWord, TokenOperator, TokenWord, TokenOperator, TokenString, TokenWord, TokenWord,
		TokenComment, TokenWord, TokenWord, TokenOperator, TokenNumber, TokenQuotedIdent, TokenUnterminated}
	if diff := cmp.Diff(wantTexts, texts); diff != "" {
		t.Errorf("texts (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantKinds, kinds); diff != "" {
		t.Errorf("kinds (-want +got):\n%s", diff)
	}
	if got[3].Offset != 9 {
		t.Errorf("offset of word = %d, want 9", got[3].Offset)
	}
}

func TestKeywords(t *testing.T) {
	for _, w := range []string{"select", "SOURCE", "Jobs", "unnest"} {
		if !IsKeyword(w) {
			t.Errorf("IsKeyword(%q) = false", w)
		}
	}
	if IsKeyword("word") {
		t.Error(`IsKeyword("word") = true`)
	}
	if k := Keywords(); len(k) < 60 || k[0] != "ALL" {
		t.Errorf("Keywords() = %v", k)
	}
}
