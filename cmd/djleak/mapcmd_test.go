package main

import (
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestMapCLI(t *testing.T) {
	for _, h := range []string{"-h", "--help"} {
		if code, out, errs := runCLI(t, "map", h); code != exitClean || !strings.Contains(out, "Usage: djleak map") || !strings.Contains(out, "-format") || errs != "" {
			t.Errorf("map %s: exit %d\nstdout:\n%s\nstderr:\n%s", h, code, out, errs)
		}
	}
	if code, _, errs := runCLI(t, "map", "--no-such-flag"); code != exitError || !strings.Contains(errs, "no-such-flag") || !strings.Contains(errs, "djleak map --help") {
		t.Errorf("unknown flag: exit %d, stderr %q", code, errs)
	}
	if code, _, errs := runCLI(t, "map", "--format", "sarif", seed); code != exitError || !strings.Contains(errs, `unknown map format "sarif"`) {
		t.Errorf("bad format: exit %d, stderr %q", code, errs)
	}
	if code, _, errs := runCLI(t, "map", "--color", "sometimes", seed); code != exitError || !strings.Contains(errs, "--color") {
		t.Errorf("bad colour: exit %d, stderr %q", code, errs)
	}
	if code, _, errs := runCLI(t, "map", seed, seed); code != exitError || !strings.Contains(errs, "want [PATH], got 2 arguments") {
		t.Errorf("two paths: exit %d, stderr %q", code, errs)
	}
	if code, _, errs := runCLI(t, "map", "does/not/exist"); code != exitError || !strings.Contains(errs, "does/not/exist") {
		t.Errorf("missing path: exit %d, stderr %q", code, errs)
	}
	// Findings do not change the exit code: the map is a picture.
	code, out, errs := runCLI(t, "map", seed)
	if code != exitClean || !strings.Contains(out, "client can forge [NGX201]") || strings.Contains(out, "\x1b[") ||
		!strings.Contains(out, "  ../../testdata/seed/nginx/api.conf:13  ") || !strings.Contains(out, "../../testdata/seed/mysite/middleware.py:11 unguarded") {
		t.Errorf("text: exit %d\n%s%s", code, out, errs)
	}
	if code, out, _ := runCLI(t, "map", "--color", "always", seed); code != exitClean || !strings.Contains(out, "\x1b[1;31mclient can forge") {
		t.Errorf("--color always: exit %d\n%q", code, out)
	}
	// A path inside the project maps the whole project, findings included.
	if code, out, errs := runCLI(t, "map", seed+"/mysite"); code != exitClean || !strings.Contains(out, "client can forge [NGX201]") || !strings.Contains(out, "3 reported by djleak") {
		t.Errorf("map of a sub-directory: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = runCLI(t, "map", seed, "--format", "json")
	var doc struct {
		Version     int `json:"version"`
		Deployments []struct {
			Summary struct{ Forgeable, Reported int } `json:"summary"`
			Columns []struct {
				Reads []struct{ Path string } `json:"reads"`
			} `json:"columns"`
		} `json:"deployments"`
	}
	if err := json.Unmarshal([]byte(out), &doc); code != exitClean || err != nil || doc.Version != 1 || len(doc.Deployments) != 1 || doc.Deployments[0].Summary.Forgeable != 3 {
		t.Fatalf("json: exit %d, err %v, %+v\n%s", code, err, doc, errs)
	}
	// Paths relative to the working directory.
	if p := doc.Deployments[0].Columns[0].Reads[0].Path; p != "../../testdata/seed/mysite/middleware.py" {
		t.Errorf("json read path %q", p)
	}
}

// The map does not depend on the worker count.
func TestMapDeterministic(t *testing.T) {
	for _, format := range []string{"text", "json", "html"} {
		var outs []string
		for _, w := range []string{"1", "2", "8"} {
			code, out, errs := runCLI(t, "map", "--workers", w, "--format", format, seed)
			if code != exitClean {
				t.Fatalf("exit %d: %s", code, errs)
			}
			outs = append(outs, out)
		}
		if outs[0] != outs[1] || outs[0] != outs[2] {
			t.Errorf("%s output differs between worker counts", format)
		}
	}
}

// TestMapReadmeSnippet runs each command of the README's map snippet in a
// copy of the seed project, with the redirections it shows.
func TestMapReadmeSnippet(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(seed)); err != nil {
		t.Fatal(err)
	}
	snippet := readmeSnippet(t, "map-usage")
	t.Chdir(dir)
	ran := 0
	for _, line := range strings.Split(snippet, "\n") {
		if i := strings.Index(line, "#"); i >= 0 {
			line = line[:i]
		}
		args := strings.Fields(line)
		if len(args) == 0 {
			continue
		}
		if args[0] != "djleak" {
			t.Fatalf("snippet line %q is not a djleak command", line)
		}
		var redirect string
		if i := slices.Index(args, ">"); i >= 0 {
			redirect, args = args[i+1], args[:i]
		}
		code, out, errs := runCLI(t, args[1:]...)
		if code != exitClean {
			t.Errorf("%s: exit %d\n%s", line, code, errs)
			continue
		}
		ran++
		if redirect != "" {
			if err := os.WriteFile(redirect, []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if ran != 3 {
		t.Errorf("ran %d commands, want 3", ran)
	}
	var doc map[string]any
	if data, err := os.ReadFile("trust-map.json"); err != nil || json.Unmarshal(data, &doc) != nil || doc["version"] != float64(1) {
		t.Errorf("trust-map.json: %v %v", err, doc["version"])
	}
	if page, err := os.ReadFile("trust-map.html"); err != nil || !strings.Contains(string(page), `<table class="trustmap">`) || !strings.Contains(string(page), `href="nginx/api.conf#L13"`) {
		t.Errorf("trust-map.html: %v", err)
	}
}

// chromium finds Debian's chromium, or skips (fails when CI is set, where
// .ci/install-deps installs it).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium missing in CI; .ci/install-deps installs it")
	}
	t.Skip("chromium not installed; run .ci/install-deps")
	return ""
}

// headless runs chromium on a local page with the given extra flags and
// returns its standard output.
func headless(t *testing.T, bin, page string, extra ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// Chromium's profile: removed best-effort, since a helper process may
	// still be writing to it for a moment after the browser exits.
	profile, err := os.MkdirTemp("", "djleak-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(profile) })
	args := append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--hide-scrollbars", "--force-device-scale-factor=1",
		"--user-data-dir=" + profile,
	}, extra...)
	cmd := exec.CommandContext(ctx, bin, append(args, "file://"+page)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v\n%s", extra, err, stderr.String())
	}
	return out
}

var (
	domColumn = regexp.MustCompile(`<th scope="col" class="name" data-key="([^"]+)">([^<]*)<br>`)
	domRow    = regexp.MustCompile(`(?s)<tr class="route" data-at="([^"]+)">(.*?)</tr>`)
	domCell   = regexp.MustCompile(`(?s)<td class="cell [^"]*" data-key="([^"]+)" data-source="([^"]+)" data-forgeable="(true|false)"[^>]*>(.*?)</td>`)
	domLink   = regexp.MustCompile(`<a class="finding" href="#([^"]+)">([A-Z]+[0-9]+)</a>`)
)

// TestMapInChromium renders the seed's map in headless Chromium: the page
// renders (a screenshot of the expected size, with the forgeable-cell
// colour in it), and the cells the rendered DOM marks forgeable are exactly
// the route × header pairs of the NGX2xx findings `djleak check` reports.
//
// With DJLEAK_MAP_SCREENSHOT=FILE (make map-screenshot) the screenshot is
// also written to FILE (docs/map-seed.png in the README).
func TestMapInChromium(t *testing.T) {
	bin := chromium(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "map.html")
	if code, out, errs := runCLI(t, "map", "--format", "html", "--output", page, seed); code != exitClean {
		t.Fatalf("map: exit %d\n%s%s", code, out, errs)
	}

	dom := string(headless(t, bin, page, "--dump-dom"))
	if !strings.Contains(dom, `<table class="trustmap">`) {
		t.Fatalf("rendered DOM has no trust map table:\n%s", dom)
	}
	headers := map[string]string{}
	for _, m := range domColumn.FindAllStringSubmatch(dom, -1) {
		headers[m[1]] = m[2]
	}
	var got []string
	rows := domRow.FindAllStringSubmatch(dom, -1)
	if len(rows) == 0 {
		t.Fatalf("no route rows in the DOM:\n%s", dom)
	}
	for _, r := range rows {
		cells := domCell.FindAllStringSubmatch(r[2], -1)
		if len(cells) != len(headers) {
			t.Errorf("row %s has %d cells for %d columns", r[1], len(cells), len(headers))
		}
		for _, c := range cells {
			if c[3] != "true" {
				continue
			}
			got = append(got, r[1]+" "+c[1])
			links := domLink.FindAllStringSubmatch(c[4], -1)
			if len(links) == 0 {
				t.Errorf("forgeable cell %s %s links to no finding", r[1], c[1])
			}
			for _, l := range links {
				if !strings.Contains(dom, `id="`+l[1]+`"`) {
					t.Errorf("cell %s %s links to #%s, which the page lacks", r[1], c[1], l[1])
				}
			}
		}
	}

	// What check reports: each NGX2xx finding, at its line, names the
	// headers a client can forge there. Run in the project, check prints
	// the project-relative paths the page's data-at attributes hold.
	t.Chdir(seed)
	code, out, errs := runCLI(t, "check", "--format", "json", ".")
	if code != exitFindings {
		t.Fatalf("check: exit %d\n%s", code, errs)
	}
	var rep struct {
		Findings []struct {
			Rule, Message, Path string
			Line                int
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range rep.Findings {
		if !regexp.MustCompile(`^NGX2\d\d$`).MatchString(f.Rule) {
			continue
		}
		for key, h := range headers {
			if regexp.MustCompile(`(?i)(^|[^\w-])` + regexp.QuoteMeta(h) + `($|[^\w-])`).MatchString(f.Message) {
				want = append(want, fmt.Sprintf("%s:%d %s", f.Path, f.Line, key))
			}
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") || len(want) != 3 {
		t.Errorf("forgeable cells in the rendered page:\n%s\nNGX2xx findings of djleak check:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	shot := filepath.Join(dir, "map.png")
	headless(t, bin, page, "--screenshot="+shot, "--window-size=1200,640")
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1200 || b.Dy() != 640 {
		t.Errorf("screenshot is %v, want 1200×640", b)
	}
	colours := map[[3]uint32]int{}
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, b >> 8}]++
		}
	}
	// The forgeable background (#ffebe9) fills three cells: far more than
	// the legend's swatch.
	if n := colours[[3]uint32{0xff, 0xeb, 0xe9}]; n < 20000 {
		t.Errorf("screenshot has %d pixels of the forgeable colour; the table did not render", n)
	}
	if len(colours) < 100 {
		t.Errorf("screenshot has only %d colours: no text rendered", len(colours))
	}
	if dst := os.Getenv("DJLEAK_MAP_SCREENSHOT"); dst != "" {
		data, err := os.ReadFile(shot)
		if err == nil {
			err = os.WriteFile(dst, data, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}
