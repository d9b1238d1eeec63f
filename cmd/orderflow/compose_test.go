package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// These tests check docker-compose.yml as far as it can be checked without a
// Docker engine: loaded by compose-go, the library docker compose itself
// loads it with, and held against the binary, the Dockerfile and the files
// it mounts.

// loadCompose loads docker-compose.yml as `docker compose` would with env as
// its .env (and nothing from this process's environment).
func loadCompose(t *testing.T, env map[string]string) (*types.Project, error) {
	t.Helper()
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	return loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  root,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(root, "docker-compose.yml")}},
		Environment: env,
	})
}

// project loads docker-compose.yml with a fresh .env from compose-env.
func project(t *testing.T) *types.Project {
	t.Helper()
	p, err := loadCompose(t, composeEnv(t))
	require.NoError(t, err)
	return p
}

// orderflowServices are the services that run this binary, by name.
func orderflowServices(p *types.Project) map[string]types.ServiceConfig {
	out := map[string]types.ServiceConfig{}
	for name, svc := range p.Services {
		if svc.Image == "orderflow:dev" {
			out[name] = svc
		}
	}
	return out
}

// containerEnv is the environment a container of svc starts with: the
// image's, then the service's on top, as Docker merges them.
func containerEnv(img image, svc types.ServiceConfig) map[string]string {
	env := map[string]string{}
	for k, v := range img.env {
		env[k] = v
	}
	for k, v := range svc.Environment {
		if v != nil {
			env[k] = *v
		}
	}
	return env
}

// oneShot says whether another service waits for name to complete: a task
// that exits, such as `topics`, not a service that stays up.
func oneShot(p *types.Project, name string) bool {
	for _, svc := range p.Services {
		if d, ok := svc.DependsOn[name]; ok && d.Condition == types.ServiceConditionCompletedSuccessfully {
			return true
		}
	}
	return false
}

func TestComposeRequiresEverySecretFromDotEnv(t *testing.T) {
	t.Run("with compose-env's .env it loads", func(t *testing.T) {
		_, err := loadCompose(t, composeEnv(t))
		require.NoError(t, err)
	})

	t.Run("without any one secret, or with it empty, it refuses to load and names it", func(t *testing.T) {
		for _, name := range composeSecretNames {
			env := composeEnv(t)
			delete(env, name)
			_, err := loadCompose(t, env)
			require.ErrorContains(t, err, name, "loads without %s: it has a default", name)
			require.ErrorContains(t, err, "make compose-env", "the error says how to make .env")
			env[name] = ""
			_, err = loadCompose(t, env)
			require.ErrorContains(t, err, name, "loads with %s empty", name)
		}
	})

	t.Run("every variable in the file is a secret compose-env writes, required with no default", func(t *testing.T) {
		refs := variableReferences(t)
		require.NotEmpty(t, refs)
		for _, ref := range refs {
			name, _, required := strings.Cut(ref, ":?")
			require.True(t, required, "${%s} is not ${NAME:?message}: it has a default or may be empty", ref)
			require.Contains(t, composeSecretNames, name, "${%s}: compose-env does not write %s", ref, name)
		}
	})

	t.Run("every secret a service is given comes from .env, none is written in the file", func(t *testing.T) {
		a, b := project(t), project(t)
		for name, svc := range orderflowServices(a) {
			for k, secret := range variables(t, svc.Command[0]) {
				if v, ok := svc.Environment[k]; ok && secret {
					require.NotEqual(t, *v, *b.Services[name].Environment[k], "%s's %s is the same with another .env", name, k)
				}
			}
		}
		pass := func(p *types.Project) string { return *p.Services["grafana"].Environment["GF_SECURITY_ADMIN_PASSWORD"] }
		require.NotEqual(t, pass(a), pass(b), "Grafana's admin password is written in the file")
	})
}

// variableReferences are the ${...} of docker-compose.yml, without the
// braces, as compose reads them: in values, not in comments.
func variableReferences(t *testing.T) []string {
	t.Helper()
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	model, err := loader.LoadModelWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  root,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(root, "docker-compose.yml")}},
	}, func(o *loader.Options) { o.SkipInterpolation = true })
	require.NoError(t, err)
	var refs []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		case string:
			for _, m := range varRef.FindAllStringSubmatch(strings.ReplaceAll(v, "$$", ""), -1) {
				refs = append(refs, m[1]+m[2])
			}
		}
	}
	walk(model)
	return refs
}

// varRef is compose's ${NAME...} or $NAME; $$ is a literal dollar.
var varRef = regexp.MustCompile(`\$(?:\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))`)

func TestComposeMatchesTheBinary(t *testing.T) {
	p := project(t)
	img := readImage(t, "../../Dockerfile")
	seen := map[string]bool{}
	for name, svc := range orderflowServices(p) {
		t.Run(name+" runs a subcommand of the binary with variables it reads", func(t *testing.T) {
			require.Len(t, svc.Command, 1, "one subcommand; settings go in the environment")
			cmd := svc.Command[0]
			_, ok := commands[cmd]
			require.True(t, ok, "unknown subcommand %q", cmd)
			seen[cmd] = true
			known := variables(t, cmd)
			for k := range svc.Environment {
				_, ok := known[k]
				require.True(t, ok, "%s does not read %s", cmd, k)
			}
			env := containerEnv(img, svc)
			cfg, err := parseConfig(cmd, nil, func(k string) string { return env[k] }, os.Stderr)
			require.NoError(t, err)
			require.Equal(t, "/data", cfg.DataDir)
			if _, ok := svc.Environment["KAFKA_BROKERS"]; ok {
				require.Equal(t, []string{"kafka:9092"}, cfg.Kafka.Brokers)
				require.NoError(t, cfg.Kafka.Validate())
			}
		})

		t.Run(name+" has the binary's health check, on the port it serves health on", func(t *testing.T) {
			hc := svc.HealthCheck
			require.NotNil(t, hc)
			if oneShot(p, name) {
				require.True(t, hc.Disable, "%s exits; the image's health check would only ever fail", name)
				return
			}
			require.False(t, hc.Disable)
			require.Equal(t, types.HealthCheckTest{"CMD", img.entrypoint[0], "healthcheck"}, hc.Test)
			env := containerEnv(img, svc)
			var c healthcheckConfig
			require.NoError(t, healthcheckFlags(&c, func(k string) string { return env[k] }, os.Stderr).parse(nil))
			url, err := c.target()
			require.NoError(t, err)
			_, port, err := net.SplitHostPort(env["METRICS_ADDR"])
			require.NoError(t, err)
			require.Equal(t, "http://127.0.0.1:"+port+"/readyz", url)
			require.NotNil(t, hc.StartPeriod, "recovering tables must not count as failing")
		})
	}
	for _, want := range []string{"topics", "api", "orders", "payment", "shipping", "notifications", "gateway", "nats-auth"} {
		require.True(t, seen[want], "compose runs no %s", want)
	}
}

func TestComposeServicesStartOnceWhatTheyNeedIsHealthy(t *testing.T) {
	p := project(t)
	for name, svc := range p.Services {
		t.Run(name+" has a health check", func(t *testing.T) {
			require.NotNil(t, svc.HealthCheck)
			if !oneShot(p, name) {
				require.False(t, svc.HealthCheck.Disable)
				require.NotEmpty(t, svc.HealthCheck.Test)
			}
		})

		t.Run(name+" waits for each service it uses to be healthy, or to have completed", func(t *testing.T) {
			for dep, d := range svc.DependsOn {
				want := types.ServiceConditionHealthy
				if oneShot(p, dep) {
					want = types.ServiceConditionCompletedSuccessfully
				}
				require.Equal(t, want, d.Condition, "%s on %s", name, dep)
			}
			for k, v := range svc.Environment {
				if v == nil {
					continue
				}
				for other := range p.Services {
					if other != name && strings.Contains(*v, "://"+other+":") {
						_, ok := svc.DependsOn[other]
						require.True(t, ok, "%s uses %s (%s) without waiting for it", name, other, k)
					}
				}
			}
			// Kafka is waited for through topics, which waits for it.
			if _, ok := svc.Environment["KAFKA_BROKERS"]; ok && name != "topics" {
				require.Contains(t, svc.DependsOn, "topics", "%s reads topics that may not exist yet", name)
			}
		})
	}
}

func TestComposeScrapesEveryService(t *testing.T) {
	p := project(t)
	raw, err := os.ReadFile("../../deploy/prometheus.yml")
	require.NoError(t, err)
	var prom struct {
		ScrapeConfigs []struct {
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &prom))
	var targets []string
	for _, sc := range prom.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			targets = append(targets, st.Targets...)
		}
	}
	img := readImage(t, "../../Dockerfile")
	for name, svc := range orderflowServices(p) {
		if oneShot(p, name) {
			continue
		}
		_, port, err := net.SplitHostPort(containerEnv(img, svc)["METRICS_ADDR"])
		require.NoError(t, err)
		require.True(t, slices.Contains(targets, name+":"+port), "Prometheus does not scrape %s:%s", name, port)
	}
}
