package sandbox

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// faker draws plausible FossaWork values from one seeded source, so a demo
// tree is the same for the same seed.
type faker struct {
	r *rand.Rand
}

// newFaker derives an independent stream per component (stream), so the
// database and the logs do not depend on the order they are generated in.
func newFaker(seed int64, stream uint64) *faker {
	return &faker{r: rand.New(rand.NewPCG(uint64(seed), stream))}
}

func (f *faker) intn(n int) int               { return f.r.IntN(n) }
func (f *faker) between(lo, hi int) int       { return lo + f.r.IntN(hi-lo+1) }
func (f *faker) chance(p float64) bool        { return f.r.Float64() < p }
func (f *faker) pick(xs []string) string      { return xs[f.r.IntN(len(xs))] }
func (f *faker) float(lo, hi float64) float64 { return lo + f.r.Float64()*(hi-lo) }

// uuid4 is a random (version 4, RFC 4122 variant) UUID from the seeded source.
func (f *faker) uuid4() string {
	var b [16]byte
	for i := 0; i < 16; i += 8 {
		v := f.r.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// token is a random alphanumeric string of length n (demo secrets).
func (f *faker) token(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alnum[f.r.IntN(len(alnum))]
	}
	return string(b)
}

func (f *faker) hexToken(nbytes int) string {
	b := make([]byte, nbytes)
	for i := range b {
		b[i] = byte(f.r.UintN(256))
	}
	return hex.EncodeToString(b)
}

var (
	brands = []string{"Circle K", "7-Eleven", "Wawa", "Speedway", "Marathon", "Shell", "BP",
		"Sunoco", "QuikTrip", "RaceTrac", "Casey's", "Sheetz", "Murphy USA", "Valero",
		"Exxon", "Chevron", "Kwik Trip", "Pilot", "Love's", "Thorntons"}
	streets = []string{"Main St", "Oak Ave", "Highway 41", "US-19 N", "Market St", "Broad St",
		"Church Rd", "Lake Dr", "Airport Blvd", "State Road 60", "Park Ave", "Industrial Pkwy",
		"Washington Blvd", "Pine St", "Cedar Ln", "Mill Rd", "Commerce Dr", "Route 9"}
	places = [][3]string{
		{"Tampa", "FL", "Hillsborough"}, {"Orlando", "FL", "Orange"}, {"Lakeland", "FL", "Polk"},
		{"Clearwater", "FL", "Pinellas"}, {"Ocala", "FL", "Marion"}, {"Gainesville", "FL", "Alachua"},
		{"Sarasota", "FL", "Sarasota"}, {"Brandon", "FL", "Hillsborough"}, {"Kissimmee", "FL", "Osceola"},
		{"Jacksonville", "FL", "Duval"}, {"Valdosta", "GA", "Lowndes"}, {"Tallahassee", "FL", "Leon"},
		{"Fort Myers", "FL", "Lee"}, {"Daytona Beach", "FL", "Volusia"}, {"Spring Hill", "FL", "Hernando"},
	}
	services = [][3]string{
		{"2861", "AccuMeasure", "All Dispensers AccuMeasure calibration"},
		{"2862", "AccuMeasure", "Specific Dispenser(s) AccuMeasure calibration"},
		{"3002", "Open Neck Prover", "All Dispensers Open Neck Prover test"},
		{"3146", "Annual Inspection", "Annual weights and measures inspection"},
		{"2410", "Filter Change", "Dispenser filter replacement"},
	}
	makes = [][2]string{
		{"Gilbarco", "Encore 700S"}, {"Gilbarco", "Encore 500"}, {"Gilbarco", "Advantage"},
		{"Wayne", "Ovation"}, {"Wayne", "300"}, {"Wayne", "Helix 6000"}, {"Bennett", "Pacific"},
	}
	firstNames = []string{"james", "maria", "robert", "linda", "michael", "sarah", "david",
		"karen", "carlos", "emily", "daniel", "ashley", "kevin", "nicole", "brian", "tanya"}
	lastNames = []string{"smith", "garcia", "johnson", "lee", "brown", "martinez", "davis",
		"wilson", "lopez", "clark", "walker", "young", "hall", "nguyen", "baker", "perez"}
)

// sqlTime is SQLAlchemy's SQLite DATETIME text.
func sqlTime(t time.Time) string { return t.Format("2006-01-02 15:04:05.000000") }

func (f *faker) storeNumber() string { return strconv.Itoa(f.between(1000, 9999)) }

func (f *faker) siteName(store string) string {
	return fmt.Sprintf("%s #%s", f.pick(brands), store)
}

func (f *faker) street() string {
	return fmt.Sprintf("%d %s", f.between(100, 29999), f.pick(streets))
}

func (f *faker) place() [3]string { return places[f.r.IntN(len(places))] }

// within returns a time in [from, from+span).
func (f *faker) within(from time.Time, span time.Duration) time.Time {
	if span <= 0 {
		return from
	}
	return from.Add(time.Duration(f.r.Int64N(int64(span))))
}
