// Package statetest is the conformance suite every state backend must pass:
// Run it from the backend's tests with a constructor for fresh backends.
package statetest
