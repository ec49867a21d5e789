// Package csvfile reads tabular data from CSV files with a header row into
// float32 feature rows and labels, ready to become tensors.
//
// Numeric columns are parsed as numbers; categorical columns map each
// distinct string to an index (the mapping is returned in the Schema and can
// be reused for another file, so a test file gets the training file's
// indices). One column, chosen by name, can be the label. Missing values are
// reported with their line and column. A Standardizer computes the mean and
// standard deviation of each numeric column on one table (the training part)
// and applies them to others.
package csvfile
