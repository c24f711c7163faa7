package sandbox

import (
	"fmt"
	"time"
)

// Row builders: one function per table, each returning the argument list
// for the matching insert statement in schema.go.

func (f *faker) userRow(id string, i int, now time.Time) []any {
	first, last := f.pick(firstNames), f.pick(lastNames)
	name := fmt.Sprintf("tech%03d", i)
	if i == 0 {
		name = "admin"
	}
	created := now.AddDate(-2, 0, 0).Add(time.Duration(i) * 36 * time.Hour)
	prefs := fmt.Sprintf(`{"theme": "%s", "notifications": {"email": %t, "pushover": %t}, "timezone": "America/New_York"}`,
		f.pick([]string{"light", "dark"}), f.chance(0.7), f.chance(0.4))
	return []any{id, name, fmt.Sprintf("%s.%s@fossawork.example", first, last),
		"$2b$12$" + f.token(53), titleCase(first) + " " + titleCase(last),
		!f.chance(0.05), i == 0, prefs, sqlTime(f.within(now.AddDate(0, 0, -30), 30*24*time.Hour)),
		sqlTime(created), sqlTime(created)}
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// woStatus derives a plausible status from the scheduled date.
func (f *faker) woStatus(scheduled, now time.Time) string {
	switch {
	case f.chance(0.04):
		return "cancelled"
	case scheduled.Before(now.Add(-48 * time.Hour)):
		if f.chance(0.97) {
			return "completed"
		}
		return "in_progress"
	case scheduled.Before(now.Add(24 * time.Hour)):
		return f.pick([]string{"in_progress", "pending"})
	default:
		return "pending"
	}
}

func (f *faker) workOrderRow(id, userID string, created, now time.Time) []any {
	store := f.storeNumber()
	site := f.siteName(store)
	street := f.street()
	pl := f.place()
	cityState := pl[0] + ", " + pl[1]
	svc := services[f.intn(len(services))]
	scheduled := created.Add(time.Duration(f.between(1, 30*24)) * time.Hour)
	status := f.woStatus(scheduled, now)
	ext := fmt.Sprintf("W-%06d", f.between(100000, 999999))
	visit := fmt.Sprintf("%06d", f.between(100000, 999999))
	nd := f.between(2, 4)
	synced := created.Add(time.Duration(f.between(1, 600)) * time.Minute)
	sync, syncErr, retries := "synced", any(nil), 0
	if f.chance(0.03) {
		sync, syncErr, retries = "failed", "WorkFossa returned HTTP 502", f.between(1, 5)
	}
	scraped := fmt.Sprintf(`{"source": "workfossa", "scraped_at": "%s", "customer": "%s", "dispenser_count": %d, "page_version": "v2.%d"}`,
		synced.Format("2006-01-02T15:04:05"), site, nd*2, f.between(1, 9))
	notes := any(nil)
	if f.chance(0.3) {
		notes = f.pick([]string{"Gate code 4412", "Call manager on arrival", "Dispenser 3/4 bagged",
			"Customer requested morning visit", "Prover cart needed"})
	}
	return []any{id, userID, ext, site, street + ", " + cityState, sqlTime(scheduled), status, svc[1],
		notes, scraped, store, svc[0], svc[2], visit,
		fmt.Sprintf("https://app.workfossa.com/app/work/%s/visits/%s/", ext[2:], visit),
		fmt.Sprintf("%d", f.between(1, 3)), "Complete all required tests. Record results in the visit form.",
		svc[1], fmt.Sprintf(`["%d x %s"]`, nd*2, svc[2]), street, cityState, pl[2] + " County",
		sqlTime(created), f.pick(firstNames), fmt.Sprintf("https://app.workfossa.com/app/customers/locations/%d/", f.between(10000, 99999)),
		sqlTime(synced), sync, syncErr, retries, f.uuid4(), sqlTime(created), sqlTime(synced)}
}

func (f *faker) dispenserRow(id, woID string, n int, created time.Time, done bool) []any {
	mk := makes[f.intn(len(makes))]
	grades := `{"regular": {"octane": 87}, "plus": {"octane": 89}, "premium": {"octane": 93}}`
	if f.chance(0.25) {
		grades = `{"regular": {"octane": 87}, "premium": {"octane": 93}, "diesel": {"octane": null}}`
	}
	status, progress := "pending", 0.0
	if done {
		status, progress = "completed", 100.0
	}
	form := fmt.Sprintf(`{"prover_volume": "5 gal", "tests": {"regular": [%d, %d], "premium": [%d, %d]}}`,
		f.between(-6, 6), f.between(-6, 6), f.between(-6, 6), f.between(-6, 6))
	return []any{id, woID, fmt.Sprintf("%d/%d", 2*n+1, 2*n+2), mk[0] + " " + mk[1], grades, status,
		progress, form, done, `{"prover": "5 gallon", "tests_per_grade": 2, "filters": true}`,
		mk[0], mk[1], fmt.Sprintf("%s%08d", mk[0][:2], f.between(0, 99999999)),
		f.pick([]string{"Electronic", "Mechanical"}), fmt.Sprintf("%d", 2*f.between(2, 4)),
		sqlTime(created), sqlTime(created)}
}

func (f *faker) jobRow(id, userID, woID string, created time.Time) []any {
	status := f.pick([]string{"completed", "completed", "completed", "failed", "cancelled"})
	total := f.between(2, 8)
	var errMsg any
	if status == "failed" {
		errMsg = f.pick([]string{"TimeoutError: Timeout 30000ms exceeded.",
			"form field meter_type not found", "Login to WorkFossa failed"})
	}
	started := created.Add(time.Duration(f.between(1, 120)) * time.Minute)
	return []any{id, userID, woID, f.pick([]string{"single_visit", "batch", "form_fill"}), status,
		100.0 * float64(f.between(0, total)) / float64(total), total, fmt.Sprintf("%d/%d", 1, total), errMsg,
		fmt.Sprintf(`{"headless": true, "browser": "chromium", "retries": %d}`, f.between(0, 3)),
		sqlTime(started), sqlTime(started.Add(time.Duration(f.between(30, 900)) * time.Second)), sqlTime(created)}
}

// scrapeRow carries a bulky raw_payload: it is the cache the app purges,
// which is what leaves the file fragmented.
func (f *faker) scrapeRow(id, userID string, at time.Time) []any {
	found := f.between(0, 40)
	payload := make([]byte, 0, 1600)
	payload = append(payload, `{"visits": [`...)
	for i := 0; i < 12; i++ {
		if i > 0 {
			payload = append(payload, ", "...)
		}
		payload = fmt.Appendf(payload, `{"visit_id": "%06d", "store": "%s", "html_hash": "%s"}`,
			f.between(100000, 999999), f.storeNumber(), f.hexToken(24))
	}
	payload = append(payload, "]}"...)
	return []any{id, userID, f.uuid4(), sqlTime(at), sqlTime(at.Add(time.Duration(f.between(20, 400)) * time.Second)),
		"completed", found, nil, string(payload)}
}
