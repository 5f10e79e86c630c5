package kafka

import "time"

// SetDiscoveryBounds sets the bounds of discovery.go for a test of another
// package (kafka_test) and returns the function restoring them.
func SetDiscoveryBounds(n int, d time.Duration) (restore func()) {
	oldN, oldD := discoveryFailLimit, discoveryFailTime
	discoveryFailLimit, discoveryFailTime = n, d
	return func() { discoveryFailLimit, discoveryFailTime = oldN, oldD }
}
