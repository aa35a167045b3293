package digest

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentd/agentd/event"
)

// phoneWidth is the CSS width of a common phone (iPhone 12 to 15).
const phoneWidth = 390

// TestHTMLOnAPhone renders a busy day's digest in headless Chromium (Debian's
// chromium package) at a phone's width, as a person would look at it: the
// screenshot must show a page (not blank), and nothing may be wider than
// the screen. A probe, added to a copy of the page only, paints the page's
// scroll width and the viewport's width as colours into the corner of a
// second screenshot. It runs with AGENTD_INTEGRATION=1, where a missing
// chromium is a failure; AGENTD_DIGEST_SCREENSHOT=FILE keeps the picture.
func TestHTMLOnAPhone(t *testing.T) {
	if os.Getenv("AGENTD_INTEGRATION") != "1" {
		t.Skip("integration test: set AGENTD_INTEGRATION=1 (needs Debian's chromium)")
	}
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is not installed (apt-get install chromium): %v", err)
	}
	recs := busyDay(t, 50)
	// What stretches pages: a long link, a long word, a long title.
	recs = append(recs, rec(event.Suggestion{ID: "long", Kind: event.KindSuggestion, Rule: "feed-interest",
		Title: "Read: " + strings.Repeat("Donaudampfschifffahrtsgesellschaftskapitän", 3),
		Body:  "https://example.com/" + strings.Repeat("a-very-long-path-segment/", 12) + "?utm_source=" + strings.Repeat("x", 80),
		Link:  "https://example.com/" + strings.Repeat("a-very-long-path-segment/", 12),
		About: about("feed:go-blog", "long")}, event.StatusDelivered))
	d, err := Build(context.Background(), Sources{
		Suggestions: listOf(recs),
		Health: func() []SourceHealth {
			return []SourceHealth{{Name: "mail:work", Failures: 3, Since: morning(t).Add(-9 * time.Hour), LastError: "dial tcp: lookup imap.example.com: no such host"}}
		},
		Summarizer: &fakeSummarizer{text: "A full day: two meetings, an invoice to pay by tomorrow and Sophie waits for the signed contract."},
		Send:       func(string) string { return SendFull },
	}, morning(t), paris(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Render(d)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "digest.html")
	if err := os.WriteFile(page, []byte(r.HTML), 0o600); err != nil {
		t.Fatal(err)
	}
	probed := filepath.Join(dir, "probe.html")
	if err := os.WriteFile(probed, []byte(strings.Replace(r.HTML, "</body>", widthProbe+"</body>", 1)), 0o600); err != nil {
		t.Fatal(err)
	}

	shot := screenshot(t, bin, dir, page, "digest.png")
	if b := shot.Bounds(); b.Dx() != phoneWidth {
		t.Fatalf("screenshot is %d px wide, want %d", b.Dx(), phoneWidth)
	}
	if keep := os.Getenv("AGENTD_DIGEST_SCREENSHOT"); keep != "" {
		raw, _ := os.ReadFile(filepath.Join(dir, "digest.png"))
		if err := os.WriteFile(keep, raw, 0o644); err != nil {
			t.Error(err)
		}
	}
	// Not blank: text (dark pixels) and the accent colour show.
	var dark, accent, total int
	b := shot.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			cr, cg, cb, _ := shot.At(x, y).RGBA()
			r8, g8, b8 := cr>>8, cg>>8, cb>>8
			total++
			if r8 < 90 && g8 < 90 && b8 < 90 {
				dark++
			}
			if b8 > 150 && r8 < 120 && g8 < 120 { // #4f46e5
				accent++
			}
		}
	}
	t.Logf("screenshot %dx%d: %.1f%% dark (text), %d accent pixels", b.Dx(), b.Dy(), 100*float64(dark)/float64(total), accent)
	if float64(dark)/float64(total) < 0.01 || accent < 100 {
		t.Errorf("the screenshot looks blank: %d dark and %d accent pixels of %d", dark, accent, total)
	}
	// Nothing at the right edge but the page's background: the card
	// keeps its margin, no text is cut off.
	bg := color.RGBA{0xf4, 0xf4, 0xf5, 0xff}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Max.X - 4; x < b.Max.X; x++ {
			if !near(shot.At(x, y), bg) {
				t.Fatalf("pixel (%d,%d) at the right edge is %v, not the background: something is wider than the phone", x, y, shot.At(x, y))
			}
		}
	}

	probe := screenshot(t, bin, dir, probed, "probe.png")
	scroll, view := decodeWidth(probe.At(10, 10)), decodeWidth(probe.At(30, 10))
	t.Logf("page scroll width %d px, viewport %d px", scroll, view)
	if view != phoneWidth {
		t.Fatalf("the probe saw a viewport of %d px, want %d", view, phoneWidth)
	}
	if scroll > view {
		t.Errorf("the page is %d px wide on a %d px phone: it scrolls sideways", scroll, view)
	}

	// The probe catches what it is for: a page made too wide on purpose.
	wide := filepath.Join(dir, "wide.html")
	bad := strings.Replace(r.HTML, "</body>", `<div style="width:900px;height:4px;background:#000"></div>`+widthProbe+"</body>", 1)
	if err := os.WriteFile(wide, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	if w := decodeWidth(screenshot(t, bin, dir, wide, "wide.png").At(10, 10)); w <= phoneWidth {
		t.Errorf("the probe saw a %d px page where one of 900 px was made", w)
	}
}

// widthProbe paints the page's scroll width and the viewport's width as
// two 20 px squares, rgb(w>>8, w&255, 200), at the top left, again after
// every resize: headless Chromium lays the page out at its default size
// first and takes --window-size after.
const widthProbe = `<script>(function(){function box(x){var d=document.createElement("div");` +
	`d.style.cssText="position:fixed;top:0;left:"+x+"px;width:20px;height:20px;z-index:99";document.body.appendChild(d);return d;}` +
	`var a=box(0),b=box(20);function paint(d,v){d.style.background="rgb("+(v>>8)+","+(v&255)+",200)";}` +
	`function update(){paint(a,Math.max(document.documentElement.scrollWidth,document.body.scrollWidth));paint(b,window.innerWidth);}` +
	`update();window.addEventListener("resize",update);})();</script>`

func decodeWidth(c color.Color) int {
	r, g, _, _ := c.RGBA()
	return int(r>>8)<<8 | int(g>>8)
}

func near(a, b color.Color) bool {
	ar, ag, ab, _ := a.RGBA()
	br, bg, bb, _ := b.RGBA()
	d := func(x, y uint32) bool { return max(x, y)-min(x, y) <= 3<<8 }
	return d(ar, br) && d(ag, bg) && d(ab, bb)
}

// screenshot renders file at a phone's size with a fresh profile and no
// network, and decodes the PNG.
func screenshot(t *testing.T, bin, dir, file, name string) image.Image {
	t.Helper()
	out := filepath.Join(dir, name)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--hide-scrollbars", "--no-first-run", "--user-data-dir="+filepath.Join(dir, "profile-"+name),
		fmt.Sprintf("--window-size=%d,2000", phoneWidth), "--screenshot="+out, "file://"+file)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	start := time.Now()
	if outb, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, outb)
	}
	t.Logf("chromium screenshot %s in %s", name, time.Since(start).Round(time.Millisecond))
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	return img
}
