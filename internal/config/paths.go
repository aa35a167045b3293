package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// environment is what path expansion reads from the process, as values so
// tests can supply their own.
type environment struct {
	getenv func(string) string
	home   string // "" if unknown
}

func osEnv() environment {
	home, err := os.UserHomeDir()
	if err != nil {
		home = ""
	}
	return environment{getenv: os.Getenv, home: home}
}

// xdgDefaults are the XDG base directories relative to $HOME, used when the
// variable is unset or not absolute (as the XDG spec says).
func xdgDefault(name string) (string, bool) {
	switch name {
	case "XDG_CONFIG_HOME":
		return ".config", true
	case "XDG_DATA_HOME":
		return filepath.Join(".local", "share"), true
	case "XDG_STATE_HOME":
		return filepath.Join(".local", "state"), true
	case "XDG_CACHE_HOME":
		return ".cache", true
	}
	return "", false
}

func xdgDir(env environment, name string) string {
	if v := env.getenv(name); filepath.IsAbs(v) {
		return v
	}
	rel, _ := xdgDefault(name)
	return filepath.Join(env.home, rel)
}

// pathVars are the variables expanded in paths; others are an error rather
// than silently empty.
const pathVars = "$HOME, $XDG_CONFIG_HOME, $XDG_DATA_HOME, $XDG_STATE_HOME, $XDG_CACHE_HOME, $XDG_RUNTIME_DIR"

func lookupPathVar(env environment, name string) (string, error) {
	switch name {
	case "HOME":
		if env.home == "" {
			return "", errors.New("$HOME is not known")
		}
		return env.home, nil
	case "XDG_RUNTIME_DIR":
		v := env.getenv(name)
		if !filepath.IsAbs(v) {
			return "", errors.New("$XDG_RUNTIME_DIR is not set")
		}
		return v, nil
	}
	if _, ok := xdgDefault(name); ok {
		if env.home == "" && !filepath.IsAbs(env.getenv(name)) {
			return "", fmt.Errorf("$%s is not set and $HOME is not known", name)
		}
		return xdgDir(env, name), nil
	}
	return "", fmt.Errorf("$%s is not expanded in paths (only %s are)", name, pathVars)
}

// expandHome replaces a leading "~" or "~/".
func expandHome(p string, env environment) (string, error) {
	if p != "~" && !strings.HasPrefix(p, "~/") {
		if strings.HasPrefix(p, "~") {
			return "", errors.New("~user is not supported; write ~/ for your home or an absolute path")
		}
		return p, nil
	}
	if env.home == "" {
		return "", errors.New("cannot expand ~: home directory unknown")
	}
	return filepath.Join(env.home, p[1:]), nil
}

// expandVars replaces $NAME and ${NAME} for the names in pathVars.
func expandVars(p string, env environment) (string, error) {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] != '$' {
			b.WriteByte(p[i])
			continue
		}
		rest := p[i+1:]
		var name string
		if strings.HasPrefix(rest, "{") {
			end := strings.IndexByte(rest, '}')
			if end < 0 {
				return "", errors.New("unclosed ${")
			}
			name = rest[1:end]
			i += end + 1
		} else {
			n := 0
			for n < len(rest) && (rest[n] == '_' || rest[n] >= 'A' && rest[n] <= 'Z' || rest[n] >= 'a' && rest[n] <= 'z' || n > 0 && rest[n] >= '0' && rest[n] <= '9') {
				n++
			}
			if n == 0 {
				return "", fmt.Errorf("lone $ (variables: %s)", pathVars)
			}
			name = rest[:n]
			i += n
		}
		v, err := lookupPathVar(env, name)
		if err != nil {
			return "", err
		}
		b.WriteString(v)
	}
	return b.String(), nil
}

// resolvePath expands ~ and variables in p and makes it absolute against
// dir (the config's directory).
func resolvePath(p, dir string, env environment) (string, error) {
	p, err := expandHome(p, env)
	if err != nil {
		return "", err
	}
	if p, err = expandVars(p, env); err != nil {
		return "", err
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	return filepath.Clean(p), nil
}

// fileURLHelp is how a wrong file URL is explained.
const fileURLHelp = "write file:///absolute/path, file:relative/path or file://./relative/path (relative to the config file's directory), or file://~/path"

// resolveFileURL turns a file URL as users write it into file:///abs/path.
// Accepted: file:///abs, file://localhost/abs, file:rel/path and
// file://./rel, file://../rel (relative to dir), file://~/path; ~ and path
// variables are expanded.
func resolveFileURL(u *url.URL, dir string, env environment) (string, error) {
	var p string
	switch {
	case u.Opaque != "": // file:rel/path
		p = u.Opaque
		if unescaped, err := url.PathUnescape(p); err == nil {
			p = unescaped
		}
	case u.Host == "" || u.Host == "localhost":
		p = u.Path
	case u.Host == "." || u.Host == ".." || u.Host == "~":
		p = u.Host + u.Path
	default:
		return "", fmt.Errorf("names host %q, which file URLs cannot reach; %s", u.Host, fileURLHelp)
	}
	if p == "" {
		return "", fmt.Errorf("has no path; %s", fileURLHelp)
	}
	abs, err := resolvePath(p, dir, env)
	if err != nil {
		return "", err
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String(), nil
}
