package main

import (
	"encoding"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
)

// envFlags is a flag set whose flags default from environment variables. It
// records the variable each flag reads and which flags are secrets, so that
// help and the start-up line are made from the same registration as the
// parsing, and neither can leave a setting out.
type envFlags struct {
	name    string // of the command
	fs      *flag.FlagSet
	getenv  func(string) string
	env     map[string]string // flag name -> environment variable
	secrets map[string]bool   // flag names
	errs    []error           // environment values that do not parse
}

func newEnvFlags(name string, getenv func(string) string, output io.Writer) *envFlags {
	fs := flag.NewFlagSet("orderflow "+name, flag.ContinueOnError)
	fs.SetOutput(output)
	return &envFlags{name: name, fs: fs, getenv: getenv, env: map[string]string{}, secrets: map[string]bool{}}
}

// String registers a string flag.
func (f *envFlags) String(p *string, name, env, def, usage string) {
	f.fs.StringVar(p, name, def, usage)
	f.fromEnv(name, env)
}

// Int registers an int flag.
func (f *envFlags) Int(p *int, name, env string, def int, usage string) {
	f.fs.IntVar(p, name, def, usage)
	f.fromEnv(name, env)
}

// Float registers a float64 flag.
func (f *envFlags) Float(p *float64, name, env string, def float64, usage string) {
	f.fs.Float64Var(p, name, def, usage)
	f.fromEnv(name, env)
}

// Bool registers a bool flag.
func (f *envFlags) Bool(p *bool, name, env string, def bool, usage string) {
	f.fs.BoolVar(p, name, def, usage)
	f.fromEnv(name, env)
}

// Duration registers a time.Duration flag.
func (f *envFlags) Duration(p *time.Duration, name, env string, def time.Duration, usage string) {
	f.fs.DurationVar(p, name, def, usage)
	f.fromEnv(name, env)
}

// Text registers a flag of a type that parses itself from text.
func (f *envFlags) Text(p encoding.TextUnmarshaler, name, env string, def encoding.TextMarshaler, usage string) {
	f.fs.TextVar(p, name, def, usage)
	f.fromEnv(name, env)
}

// Var registers a flag of any flag.Value; v holds the default already.
func (f *envFlags) Var(v flag.Value, name, env, usage string) {
	f.fs.Var(v, name, usage)
	f.fromEnv(name, env)
}

// Secret registers a flag whose value is never shown: not in help, not in
// the start-up line.
func (f *envFlags) Secret(p *secret, name, env, usage string) {
	f.secrets[name] = true
	f.Var(p, name, env, usage+"; prefer the environment, flags show in ps")
}

// fromEnv makes the flag just defined default from env. A value of env that
// does not parse is an error at start-up, not a silent fall back to the
// default (KAFKA_TLS=yes must not mean plaintext).
func (f *envFlags) fromEnv(name, env string) {
	fl := f.fs.Lookup(name)
	fl.Usage += " [" + env + "]"
	f.env[name] = env
	v := f.getenv(env)
	if v == "" {
		return
	}
	if err := fl.Value.Set(v); err != nil {
		if f.secrets[name] {
			v = mask(v)
		}
		f.errs = append(f.errs, fmt.Errorf("%s=%q: %w", env, v, err))
		return
	}
	// Help shows what the flag defaults to here, environment included.
	fl.DefValue = fl.Value.String()
}

// parse parses args, which must be flags only, and reports the environment
// values that did not parse.
func (f *envFlags) parse(args []string) error {
	rest, err := f.parseWithArgs(args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("%s: unexpected arguments %q", f.name, rest)
	}
	return nil
}

// parseWithArgs parses args and returns what follows the flags.
func (f *envFlags) parseWithArgs(args []string) ([]string, error) {
	if err := f.fs.Parse(args); err != nil {
		return nil, err
	}
	if err := errors.Join(f.errs...); err != nil {
		return nil, fmt.Errorf("environment: %w", err)
	}
	return f.fs.Args(), nil
}

// attrs describes the value of every flag that reads the environment, for
// the start-up line: keyed by the variable in lower case, secrets masked.
func (f *envFlags) attrs() []any {
	var out []any
	f.fs.VisitAll(func(fl *flag.Flag) {
		if env, ok := f.env[fl.Name]; ok {
			out = append(out, strings.ToLower(env), f.shown(fl))
		}
	})
	return out
}

func (f *envFlags) shown(fl *flag.Flag) any {
	if f.secrets[fl.Name] {
		return mask(fl.Value.String())
	}
	if g, ok := fl.Value.(flag.Getter); ok {
		switch v := g.Get().(type) {
		case bool, int, int16, int32, float64:
			return v // numbers stay numbers in JSON logs; durations stay "5s"
		}
	}
	return redactURL(fl.Value.String())
}

// redactURL hides the password of a URL that carries one
// (nats://user:pass@host, an OTLP endpoint with credentials); any other
// value is shown as it is.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, ok := u.User.Password(); !ok {
		return s
	}
	return u.Redacted()
}

// printDefaults writes the flags, their variables and defaults, secrets
// masked, to the flag set's output. The flag package does not report its
// own write errors: give it an output that cannot fail, such as a buffer.
func (f *envFlags) printDefaults() error {
	if _, err := fmt.Fprintf(f.fs.Output(), "\nflags of %s (environment variable in brackets):\n", f.fs.Name()); err != nil {
		return fmt.Errorf("printing the flags of %s: %w", f.fs.Name(), err)
	}
	f.fs.PrintDefaults()
	return nil
}
