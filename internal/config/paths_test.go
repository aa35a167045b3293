package config

import (
	"net/url"
	"strings"
	"testing"
)

func fakeEnv(vars map[string]string) environment {
	return environment{getenv: func(k string) string { return vars[k] }, home: "/home/a"}
}

func TestResolvePath(t *testing.T) {
	const dir = "/home/a/.config/agentd"
	cases := map[string]struct {
		in      string
		vars    map[string]string
		want    string
		wantErr string
	}{
		"absolute":            {in: "/srv/x", want: "/srv/x"},
		"relative":            {in: "feeds/x.xml", want: dir + "/feeds/x.xml"},
		"dot relative":        {in: "./x", want: dir + "/x"},
		"parent":              {in: "../other/x", want: "/home/a/.config/other/x"},
		"tilde":               {in: "~/Maildir", want: "/home/a/Maildir"},
		"tilde alone":         {in: "~", want: "/home/a"},
		"tilde user":          {in: "~bob/x", wantErr: "~user is not supported"},
		"home var":            {in: "$HOME/x", want: "/home/a/x"},
		"braced var":          {in: "${HOME}/x", want: "/home/a/x"},
		"xdg data set":        {in: "$XDG_DATA_HOME/agentd", vars: map[string]string{"XDG_DATA_HOME": "/data"}, want: "/data/agentd"},
		"xdg data unset":      {in: "$XDG_DATA_HOME/agentd", want: "/home/a/.local/share/agentd"},
		"xdg data relative":   {in: "$XDG_DATA_HOME/agentd", vars: map[string]string{"XDG_DATA_HOME": "rel"}, want: "/home/a/.local/share/agentd"},
		"xdg state":           {in: "$XDG_STATE_HOME/x", want: "/home/a/.local/state/x"},
		"xdg runtime set":     {in: "$XDG_RUNTIME_DIR/agentd.sock", vars: map[string]string{"XDG_RUNTIME_DIR": "/run/user/1000"}, want: "/run/user/1000/agentd.sock"},
		"xdg runtime unset":   {in: "$XDG_RUNTIME_DIR/x", wantErr: "XDG_RUNTIME_DIR is not set"},
		"other var":           {in: "$PWD/x", vars: map[string]string{"PWD": "/tmp"}, wantErr: "$PWD is not expanded"},
		"unclosed brace":      {in: "${HOME/x", wantErr: "unclosed"},
		"lone dollar":         {in: "/x/$/y", wantErr: "lone $"},
		"cleaned":             {in: "/srv//x/./y/", want: "/srv/x/y"},
		"var then relative":   {in: "${XDG_CONFIG_HOME}x", want: "/home/a/.configx"},
		"dollar in last char": {in: "a$", wantErr: "lone $"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := resolvePath(tc.in, dir, fakeEnv(tc.vars))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("resolvePath(%q) = %q, %v; want error with %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("resolvePath(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestResolveFileURL(t *testing.T) {
	const dir = "/home/a/demo"
	cases := map[string]struct {
		in, want, wantErr string
	}{
		"absolute":          {in: "file:///srv/feed.xml", want: "file:///srv/feed.xml"},
		"localhost":         {in: "file://localhost/srv/feed.xml", want: "file:///srv/feed.xml"},
		"opaque relative":   {in: "file:feeds/go-blog.xml", want: "file:///home/a/demo/feeds/go-blog.xml"},
		"dot relative":      {in: "file://./feeds/go-blog.xml", want: "file:///home/a/demo/feeds/go-blog.xml"},
		"parent relative":   {in: "file://../feeds/x.xml", want: "file:///home/a/feeds/x.xml"},
		"tilde":             {in: "file://~/feeds/x.xml", want: "file:///home/a/feeds/x.xml"},
		"opaque tilde":      {in: "file:~/x.xml", want: "file:///home/a/x.xml"},
		"escaped space":     {in: "file:my%20feeds/x.xml", want: "file:///home/a/demo/my%20feeds/x.xml"},
		"xdg":               {in: "file:$XDG_DATA_HOME/x.xml", want: "file:///home/a/.local/share/x.xml"},
		"host is an error":  {in: "file://feeds/x.xml", wantErr: `names host "feeds"`},
		"no path":           {in: "file://", wantErr: "has no path"},
		"bad var":           {in: "file:$FOO/x", wantErr: "$FOO"},
		"relative dot only": {in: "file:.", want: "file:///home/a/demo"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			u, err := url.Parse(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := resolveFileURL(u, dir, fakeEnv(nil))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("resolveFileURL(%q) = %q, %v; want error with %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("resolveFileURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestDefaultPaths(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", "/cfg")
	t.Setenv("XDG_DATA_HOME", "/data")
	if got := DefaultPath(); got != "/cfg/agentd/config.yaml" {
		t.Errorf("DefaultPath() = %q", got)
	}
	if got := DefaultDataDir(); got != "/data/agentd" {
		t.Errorf("DefaultDataDir() = %q", got)
	}
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("XDG_DATA_HOME", "")
	t.Setenv("HOME", "/home/z")
	if got := DefaultPath(); got != "/home/z/.config/agentd/config.yaml" {
		t.Errorf("DefaultPath() without XDG = %q", got)
	}
	if got := DefaultDataDir(); got != "/home/z/.local/share/agentd" {
		t.Errorf("DefaultDataDir() without XDG = %q", got)
	}
}
