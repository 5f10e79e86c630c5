// Package hint suggests the names a user probably meant, for error messages
// such as "unknown column 'nmae'; did you mean 'name'?".
package hint
