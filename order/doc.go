// Package order is the pure core of orderflow: what an order is, the statuses
// it moves through and which moves are allowed. It does no I/O and imports
// nothing else of ours, so every rule here is tested by plain table tests and
// shared by the processors, the views and the API.
package order
