package main

import (
	"encoding/json"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// image is the final stage of the Dockerfile, as far as these tests read it.
type image struct {
	env         map[string]string
	user        string
	workdir     string
	volumes     []string
	copies      []string // the arguments of each COPY
	entrypoint  []string
	healthcheck []string // the command, after CMD
}

// readImage reads the instructions of the Dockerfile's last stage. It knows
// only the forms our Dockerfile uses; there is no Docker engine to build it
// here, so this is as near to the image as a test gets.
func readImage(t *testing.T, path string) image {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var img image
	for _, line := range dockerfileLines(string(raw)) {
		instr, args, _ := strings.Cut(line, " ")
		args = strings.TrimSpace(args)
		switch strings.ToUpper(instr) {
		case "FROM":
			img = image{env: map[string]string{}}
		case "ENV":
			for _, kv := range strings.Fields(args) {
				k, v, ok := strings.Cut(kv, "=")
				require.True(t, ok, "ENV %s: only the KEY=VALUE form is read here", kv)
				img.env[k] = v
			}
		case "USER":
			img.user = args
		case "WORKDIR":
			img.workdir = args
		case "VOLUME":
			img.volumes = append(img.volumes, args)
		case "COPY":
			img.copies = append(img.copies, args)
		case "ENTRYPOINT":
			require.NoError(t, json.Unmarshal([]byte(args), &img.entrypoint), "ENTRYPOINT in exec form")
		case "HEALTHCHECK":
			_, cmd, ok := strings.Cut(args, "CMD ")
			require.True(t, ok, "HEALTHCHECK CMD")
			require.NoError(t, json.Unmarshal([]byte(cmd), &img.healthcheck), "HEALTHCHECK CMD in exec form")
		}
	}
	return img
}

// dockerfileLines joins continued lines and drops comments and blank lines.
func dockerfileLines(s string) []string {
	var lines []string
	var cur strings.Builder
	for l := range strings.Lines(s) {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "#") || (l == "" && cur.Len() == 0) {
			continue
		}
		if more, ok := strings.CutSuffix(l, "\\"); ok {
			cur.WriteString(more)
			continue
		}
		cur.WriteString(l)
		lines = append(lines, cur.String())
		cur.Reset()
	}
	return lines
}

func TestImageRunsAsAServiceWithNoSecrets(t *testing.T) {
	img := readImage(t, "../../Dockerfile")
	known := variables(t, "api")

	t.Run("every variable it sets is one the services read, and none is a secret", func(t *testing.T) {
		for k := range img.env {
			secret, ok := known[k]
			require.True(t, ok, "the binary does not read %s", k)
			require.False(t, secret, "the image bakes in the secret %s", k)
		}
	})

	t.Run("the services listen on every interface of the container", func(t *testing.T) {
		for _, k := range []string{"HTTP_ADDR", "METRICS_ADDR", "GATEWAY_ADDR"} {
			host, _, err := net.SplitHostPort(img.env[k])
			require.NoError(t, err, k)
			require.Equal(t, "0.0.0.0", host, k)
		}
	})

	t.Run("the data folder is the working directory, a volume, and the non-root user's", func(t *testing.T) {
		require.Equal(t, "65532:65532", img.user)
		require.NotEqual(t, "0", strings.Split(img.user, ":")[0])
		dir := img.env["DATA_DIR"]
		require.Equal(t, "/data", dir)
		require.Equal(t, dir, img.workdir)
		require.Contains(t, img.volumes, dir)
		owned := false
		for _, c := range img.copies {
			owned = owned || (strings.Contains(c, "--chown="+img.user) && strings.HasSuffix(c, " "+dir))
		}
		require.True(t, owned, "no COPY --chown=%s makes %s the user's", img.user, dir)
	})

	t.Run("the health check is the binary's healthcheck, asking the service's metrics address", func(t *testing.T) {
		require.Len(t, img.entrypoint, 1)
		require.Equal(t, []string{img.entrypoint[0], "healthcheck"}, img.healthcheck)
		_, ok := commands["healthcheck"]
		require.True(t, ok)
		getenv := func(k string) string { return img.env[k] }
		var c healthcheckConfig
		require.NoError(t, healthcheckFlags(&c, getenv, os.Stderr).parse(nil))
		url, err := c.target()
		require.NoError(t, err)
		require.Equal(t, "http://127.0.0.1:9090/readyz", url)
	})

	t.Run("every service's configuration parses from the image's settings plus a secret", func(t *testing.T) {
		for _, svc := range []string{"api", "orders", "payment", "shipping", "notifications", "gateway", "topics", "all"} {
			getenv := func(k string) string {
				if k == "AUTH_HS256_SECRET" {
					return strings.Repeat("s", 32)
				}
				return img.env[k]
			}
			cfg, err := parseConfig(svc, nil, getenv, os.Stderr)
			require.NoError(t, err, svc)
			require.Equal(t, "/data", cfg.DataDir)
		}
	})
}
