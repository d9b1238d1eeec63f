package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// instanceIDFile holds, in DATA_DIR, the id under which this process's
// processors are static members of their groups (kafka/membership.go). It
// lives beside the local tables because it belongs to them: a process that
// comes back with its data folder is the same instance, and since a data
// folder is never shared, no two running processes have the same id.
const instanceIDFile = "instance-id"

// resolveInstanceID returns the group instance id of the process: the
// configured one, else the one in dataDir, else a new one written there.
// Static membership turned off returns "".
func resolveInstanceID(static bool, configured, dataDir string) (string, error) {
	if !static {
		return "", nil
	}
	if configured != "" {
		return configured, nil
	}
	path := filepath.Join(dataDir, instanceIDFile)
	b, err := os.ReadFile(path) //nolint:gosec // the operator's own DATA_DIR
	if err == nil {
		if id := strings.TrimSpace(string(b)); id != "" {
			return id, nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("reading instance id: %w", err)
	}
	id, err := newInstanceID()
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(id+"\n"), 0o600); err != nil { //nolint:gosec // the operator's own DATA_DIR
		return "", fmt.Errorf("writing instance id: %w", err)
	}
	return id, nil
}

// notInInstanceID is what Kafka does not allow in a group instance id.
var notInInstanceID = regexp.MustCompile(`[^0-9A-Za-z._-]+`)

// newInstanceID names a new instance after its host, for people reading
// `kafka-consumer-groups --describe`, plus random bytes: hosts may share a
// name (containers, copies of one image).
func newInstanceID() (string, error) {
	host, _ := os.Hostname()
	host = strings.Trim(notInInstanceID.ReplaceAllString(host, "-"), "-.")
	if len(host) > 64 {
		host = host[:64]
	}
	if host == "" {
		host = "orderflow"
	}
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("making an instance id: %w", err)
	}
	return host + "-" + hex.EncodeToString(b), nil
}
