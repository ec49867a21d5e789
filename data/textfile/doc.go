// Package textfile turns text files into token id sequences for language
// models: a corpus is read from files, directories (walked recursively, with
// a file-name pattern) or glob patterns, tokenised at the byte level (256
// ids) or the character level (one id per distinct UTF-8 rune, with a
// vocabulary built from the corpus), and cut into windows of (context,
// next token) for a chosen context length.
//
// The package does not depend on Ember's tensor type.
package textfile
