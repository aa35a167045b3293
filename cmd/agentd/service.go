package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// exeEnv is what serviceBinary asks of the machine; tests fake it.
type exeEnv struct {
	lookPath func(file string) (string, error)
	getenv   func(key string) string
	goPath   func() string // `go env GOPATH`, "" when that fails
	tempDir  string
	home     string
}

func hostExeEnv() exeEnv {
	home, _ := os.UserHomeDir()
	return exeEnv{
		lookPath: exec.LookPath,
		getenv:   os.Getenv,
		goPath: func() string {
			out, err := exec.Command("go", "env", "GOPATH").Output()
			if err != nil {
				return ""
			}
			return strings.TrimSpace(string(out))
		},
		tempDir: os.TempDir(),
		home:    home,
	}
}

// serviceBinary returns the agentd binary a service unit should start. The
// running executable is right unless it is a throwaway build (go run puts it
// in a go-build directory under the temp dir): then it is the agentd on
// $PATH, or where go install puts it ($GOBIN, else $GOPATH/bin, else
// ~/go/bin), in which case installed is false: the unit needs
// `go install ./cmd/agentd` first.
func serviceBinary(exe string, env exeEnv) (bin string, installed bool) {
	if !throwaway(exe, env.tempDir) {
		return exe, true
	}
	if p, err := env.lookPath("agentd"); err == nil && !throwaway(p, env.tempDir) {
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		return p, true
	}
	if gobin := env.getenv("GOBIN"); gobin != "" {
		return filepath.Join(gobin, "agentd"), false
	}
	gopath := env.getenv("GOPATH")
	if gopath == "" {
		gopath = env.goPath()
	}
	if gopath != "" {
		// GOPATH may be a list; go install uses the first entry.
		return filepath.Join(filepath.SplitList(gopath)[0], "bin", "agentd"), false
	}
	return filepath.Join(env.home, "go", "bin", "agentd"), false
}

// throwaway reports whether exe looks like a build go run or go test made.
func throwaway(exe, tempDir string) bool {
	if strings.Contains(exe, "go-build") {
		return true
	}
	if tempDir == "" {
		return false
	}
	rel, err := filepath.Rel(tempDir, exe)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}
