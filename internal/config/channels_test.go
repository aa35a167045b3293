package config

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestChannels(t *testing.T) {
	c, err := Parse(cfgFile, []byte(`
notify:
  ntfy:
    url: https://ntfy.sh/alice-agentd
    token_env: NTFY_TOKEN
    kinds: [reminder]
  webhook:
    url: http://127.0.0.1:8080/hook
    secret_file: /etc/agentd/hook.secret
`))
	if err != nil {
		t.Fatal(err)
	}
	n, w := c.Notify.Ntfy, c.Notify.Webhook
	got := []any{n.URL, n.Token.String(), n.MinPriority, n.Kinds, *n.QuietHours, w.URL, w.Secret.String(), w.MinPriority, w.Kinds}
	want := []any{"https://ntfy.sh/alice-agentd", "env:NTFY_TOKEN", "normal", []string{"reminder"}, true,
		"http://127.0.0.1:8080/hook", "file:/etc/agentd/hook.secret", "low", []string(nil)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v\nwant %#v", got, want)
	}
	out, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"ntfy:", "token_env: NTFY_TOKEN", "webhook:", "secret_file: /etc/agentd/hook.secret"} {
		if !strings.Contains(string(out), s) {
			t.Errorf("marshalled config lacks %q:\n%s", s, out)
		}
	}
	again, err := Parse(cfgFile, out)
	if err != nil {
		t.Fatalf("marshalled config does not load: %v\n%s", err, out)
	}
	if !reflect.DeepEqual(again.Notify.Ntfy, c.Notify.Ntfy) || !reflect.DeepEqual(again.Notify.Webhook, c.Notify.Webhook) {
		t.Errorf("round trip changed the channels: %+v %+v", again.Notify.Ntfy, again.Notify.Webhook)
	}

	c, err = Parse(cfgFile, []byte("notify: {ntfy: {url: 'https://ntfy.example.com/x', quiet_hours: false, min_priority: urgent}}"))
	if err != nil {
		t.Fatal(err)
	}
	if n := c.Notify.Ntfy; n.Token.IsSet() || *n.QuietHours || n.MinPriority != "urgent" || c.Notify.Webhook != nil {
		t.Errorf("public topic: %+v, webhook %+v", n, c.Notify.Webhook)
	}
}

func TestBadChannels(t *testing.T) {
	cases := map[string]struct {
		yaml string
		line int
		path string
		want []string
	}{
		"ntfy without url": {
			yaml: "notify:\n  ntfy:\n    token_env: T\n", line: 3, path: "notify.ntfy.url", want: []string{"required", "topic URL"},
		},
		"ntfy url without topic": {
			yaml: "notify:\n  ntfy:\n    url: https://ntfy.sh/\n", line: 3, path: "notify.ntfy.url", want: []string{"end in the topic name"},
		},
		"ntfy plain http": {
			yaml: "notify:\n  ntfy:\n    url: http://ntfy.example.com/t\n", line: 3, path: "notify.ntfy.url", want: []string{"clear text", "use https"},
		},
		"ntfy credentials in url": {
			yaml: "notify:\n  ntfy:\n    url: https://bob:pw@ntfy.example.com/t\n", line: 3, path: "notify.ntfy.url", want: []string{"credentials do not belong in URLs"},
		},
		"ntfy literal token": {
			yaml: "notify:\n  ntfy:\n    url: https://ntfy.sh/t\n    token: tk_abc\n", line: 4, path: "notify.ntfy.token",
			want: []string{"token_env", "token_file", "token_command"},
		},
		"ntfy two token sources": {
			yaml: "notify:\n  ntfy:\n    url: https://ntfy.sh/t\n    token_env: A\n    token_command: pass x\n", line: 5, path: "notify.ntfy.token_command",
			want: []string{"set only one of token_env, token_file and token_command"},
		},
		"ntfy bad priority": {
			yaml: "notify:\n  ntfy:\n    url: https://ntfy.sh/t\n    min_priority: max\n", line: 4, path: "notify.ntfy.min_priority",
			want: []string{`"max" is not a valid priority`},
		},
		"webhook without secret": {
			yaml: "notify:\n  webhook:\n    url: https://hooks.example.com/a\n", line: 3, path: "notify.webhook.secret",
			want: []string{"required", "secret_env, secret_file or secret_command"},
		},
		"webhook bad scheme": {
			yaml: "notify:\n  webhook:\n    url: ftp://hooks.example.com/a\n    secret_env: S\n", line: 3, path: "notify.webhook.url",
			want: []string{`scheme "ftp" is not valid`},
		},
		"webhook bad kind": {
			yaml: "notify:\n  webhook:\n    url: https://hooks.example.com/a\n    secret_env: S\n    kinds: [memo]\n", line: 5, path: "notify.webhook.kinds[0]",
			want: []string{`"memo" is not a valid kind`},
		},
		"webhook unknown key": {
			yaml: "notify:\n  webhook:\n    url: https://hooks.example.com/a\n    secret_env: S\n    headers: {}\n", line: 5, path: "notify.webhook.headers",
			want: []string{`unknown key "headers"`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(cfgFile, []byte(tc.yaml))
			if err == nil {
				t.Fatalf("Parse accepted:\n%s", tc.yaml)
			}
			prefix := fmt.Sprintf("%s:%d: %s: ", cfgFile, tc.line, tc.path)
			for _, e := range Errors(err) {
				if e.Line != tc.line || e.Path != tc.path {
					continue
				}
				if !strings.HasPrefix(e.Error(), prefix) {
					t.Errorf("error %q does not start with %q", e.Error(), prefix)
				}
				for _, w := range tc.want {
					if !strings.Contains(e.Msg, w) {
						t.Errorf("error %q lacks %q", e.Error(), w)
					}
				}
				return
			}
			t.Errorf("no error at line %d for %q; got:\n%v", tc.line, tc.path, err)
		})
	}
}
