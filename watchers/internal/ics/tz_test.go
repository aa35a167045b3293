package ics

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadLocation(t *testing.T) {
	cases := map[string]struct {
		tzid string
		want string // IANA name, "" for an error
	}{
		"iana":                         {"Europe/Paris", "Europe/Paris"},
		"iana quoted":                  {`"America/New_York"`, "America/New_York"},
		"citadel prefix":               {"/citadel.org/20250101_1/Europe/Dublin", "Europe/Dublin"},
		"mozilla prefix":               {"/mozilla.org/20050126_1/America/New_York", "America/New_York"},
		"softwarestudio prefix":        {"/softwarestudio.org/Olson_20011030_5/Pacific/Auckland", "Pacific/Auckland"},
		"windows W. Europe":            {"W. Europe Standard Time", "Europe/Berlin"},
		"windows Eastern":              {"Eastern Standard Time", "America/New_York"},
		"windows Romance":              {"Romance Standard Time", "Europe/Paris"},
		"windows GMT":                  {"GMT Standard Time", "Europe/London"},
		"windows Pacific":              {"Pacific Standard Time", "America/Los_Angeles"},
		"windows lower case":           {"tokyo standard time", "Asia/Tokyo"},
		"windows Mexico parenthesised": {"Central Standard Time (Mexico)", "America/Mexico_City"},
		"windows display name":         {"(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", "Europe/Berlin"},
		"windows display name GMT":     {"(GMT+01:00) Brussels, Copenhagen, Madrid, Paris", "Europe/Paris"},
		"windows retired id":           {"Mexico Standard Time", "America/Mexico_City"},
		"utc":                          {"UTC", "UTC"},
		"unknown":                      {"Customized Time Zone", ""},
		"local is not the server zone": {"Local", ""},
		"empty":                        {"", ""},
		"path traversal":               {"../../etc/passwd", ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			loc, err := LoadLocation(tc.tzid)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("got %v, want an error", loc)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if loc.String() != tc.want {
				t.Errorf("got %s, want %s", loc, tc.want)
			}
		})
	}
}

// TestWindowsZonesLoad checks that every row of the CLDR table names a zone
// the IANA database has.
func TestWindowsZonesLoad(t *testing.T) {
	if n := len(windowsZones); n < 139 {
		t.Fatalf("windowsZones has %d rows, want the 139 CLDR golden zones and more", n)
	}
	for _, z := range windowsZones {
		loc, err := LoadLocation(z.id)
		// "UTC" is itself an IANA name and resolves as one.
		if err != nil || (loc.String() != z.iana && z.id != "UTC") {
			t.Errorf("%q: got %v, %v; want %s", z.id, loc, err, z.iana)
		}
		if z.display != "" {
			if d, err := LoadLocation(z.display); err != nil || d.String() != z.iana {
				t.Errorf("display %q: got %v, %v; want %s", z.display, d, err, z.iana)
			}
		}
	}
}

func TestInstant(t *testing.T) {
	cases := map[string]struct {
		zone string
		wall time.Time
		want string // RFC 3339 of the instant in zone
	}{
		"paris plain winter":           {"Europe/Paris", time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC), "2026-01-15T09:00:00+01:00"},
		"paris gap moves forward":      {"Europe/Paris", time.Date(2026, 3, 29, 2, 30, 0, 0, time.UTC), "2026-03-29T03:30:00+02:00"},
		"paris gap start":              {"Europe/Paris", time.Date(2026, 3, 29, 2, 0, 0, 0, time.UTC), "2026-03-29T03:00:00+02:00"},
		"paris overlap takes first":    {"Europe/Paris", time.Date(2026, 10, 25, 2, 30, 0, 0, time.UTC), "2026-10-25T02:30:00+02:00"},
		"paris after overlap":          {"Europe/Paris", time.Date(2026, 10, 25, 3, 0, 0, 0, time.UTC), "2026-10-25T03:00:00+01:00"},
		"new york gap moves forward":   {"America/New_York", time.Date(2026, 3, 8, 2, 30, 0, 0, time.UTC), "2026-03-08T03:30:00-04:00"},
		"new york overlap takes first": {"America/New_York", time.Date(2026, 11, 1, 1, 30, 0, 0, time.UTC), "2026-11-01T01:30:00-04:00"},
		"lord howe 30 minute gap":      {"Australia/Lord_Howe", time.Date(2026, 10, 4, 2, 15, 0, 0, time.UTC), "2026-10-04T02:45:00+11:00"},
		"lord howe 30 minute overlap":  {"Australia/Lord_Howe", time.Date(2026, 4, 5, 1, 45, 0, 0, time.UTC), "2026-04-05T01:45:00+11:00"},
		"samoa skipped day":            {"Pacific/Apia", time.Date(2011, 12, 30, 12, 0, 0, 0, time.UTC), "2011-12-31T12:00:00+14:00"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := instant(tc.wall, mustLoc(t, tc.zone)).Format(time.RFC3339)
			if got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// TestVTimezoneMatchesTzdata builds a location from each full-history
// VTIMEZONE of libical's zoneinfo2025c-pure set (Dublin's negative DST, Lord
// Howe's half hour, Casablanca, Gaza, Chatham, Apia across the date line …)
// and compares its UTC offset with the IANA database every 6 hours from 1970
// to 2037, and that a wall time round-trips the same way.
func TestVTimezoneMatchesTzdata(t *testing.T) {
	root := needCorpus(t, "ics", "libical", "test-data", "zoneinfo2025c-pure")
	var files []string
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".ics") {
			files = append(files, p)
		}
		return err
	})
	if len(files) < 18 {
		t.Fatalf("found %d VTIMEZONE files, want 18", len(files))
	}
	for _, path := range files {
		rel, _ := filepath.Rel(root, path)
		name := strings.TrimSuffix(rel, ".ics")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			d := decoder{strict: true}
			top, err := d.decode(data)
			if err != nil {
				t.Fatal(err)
			}
			var vtz *vtimezone
			for _, c := range top[0].Children {
				if c.Name == "VTIMEZONE" {
					vtz = &vtimezone{tzid: "test/" + name, comp: c}
				}
			}
			if vtz == nil {
				t.Fatal("no VTIMEZONE")
			}
			got, err := vtz.location()
			if err != nil {
				t.Fatalf("location: %v", err)
			}
			want := mustLoc(t, name)
			bad := 0
			for u := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC); u.Year() < 2037; u = u.Add(6 * time.Hour) {
				_, og := u.In(got).Zone()
				_, ow := u.In(want).Zone()
				if og != ow {
					if bad < 5 {
						t.Errorf("%s: offset %d, tzdata %d", u.Format(time.RFC3339), og, ow)
					}
					bad++
				}
			}
			if bad > 0 {
				t.Errorf("%d of the 6-hourly samples differ", bad)
			}
		})
	}
}

// TestOutlookWindowsZoneGolden reads ical4j's Outlook sample written with
// Windows TZIDs and its expected form with IANA TZIDs: both must give the
// same occurrences.
func TestOutlookWindowsZoneGolden(t *testing.T) {
	dir := needCorpus(t, "ics", "ical4j", "src", "test", "resources", "net", "fortuna", "ical4j", "transform", "timezones")
	for _, n := range []string{"outlook1", "outlook2"} {
		t.Run(n, func(t *testing.T) {
			var got [2][]string
			for i, f := range []string{n + ".txt", n + "_expected.txt"} {
				b, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil {
					t.Fatal(err)
				}
				cal, err := Parse(strings.NewReader(string(b)))
				if err != nil {
					t.Fatal(err)
				}
				occ, err := cal.Occurrences(day(2014, 1, 1), day(2015, 1, 1), nil)
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range occ {
					got[i] = append(got[i], o.Start.UTC().Format(time.RFC3339)+" "+o.End.UTC().Format(time.RFC3339))
				}
			}
			if len(got[0]) == 0 || strings.Join(got[0], ",") != strings.Join(got[1], ",") {
				t.Errorf("Windows TZIDs give %v, IANA TZIDs give %v", got[0], got[1])
			}
		})
	}
}
