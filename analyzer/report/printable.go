package report

// Printable keeps text taken from files (a message, a path, a label) on one
// line and out of the terminal's control: line breaks become spaces, other
// control characters U+FFFD. Tabs are kept.
func Printable(s string) string { return printable(s) }
