package config

import (
	"strings"
	"testing"
)

func TestValidateOffsite(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(*Config)
		want string // "" for valid
	}{
		{"default", func(*Config) {}, ""},
		{"bucket and prefix", func(c *Config) { c.Backups.Offsite.URL = "s3://bkt/fossa/prod" }, ""},
		{"http endpoint", func(c *Config) { c.Backups.Offsite.Endpoint = "http://127.0.0.1:7070" }, ""},
		{"host endpoint", func(c *Config) { c.Backups.Offsite.Endpoint = "s3.eu-central-003.backblazeb2.com" }, ""},
		{"not s3", func(c *Config) { c.Backups.Offsite.URL = "https://bkt/x" }, "backups.offsite.url"},
		{"no bucket", func(c *Config) { c.Backups.Offsite.URL = "s3:///x" }, "backups.offsite.url"},
		{"endpoint path", func(c *Config) { c.Backups.Offsite.Endpoint = "http://h:1/x" }, "backups.offsite.endpoint"},
		{"endpoint slash", func(c *Config) { c.Backups.Offsite.Endpoint = "h:1/x" }, "backups.offsite.endpoint"},
		{"part size", func(c *Config) { c.Backups.Offsite.PartSize = 4 }, "backups.offsite.part_size_mib"},
		{"retries", func(c *Config) { c.Backups.Offsite.Retries = -1 }, "backups.offsite.retries"},
		{"recipient", func(c *Config) { c.Backups.Offsite.Encrypt.Recipients = []string{"AGE-SECRET-KEY-1X"} }, "backups.offsite.encrypt.recipients[0]"},
		{"id", func(c *Config) { c.Installation.ID = "Prod EU" }, "installation.id"},
		{"history url", func(c *Config) { c.History.URL = "mysql://x/y" }, "history.url"},
		{"history pg", func(c *Config) { c.History.URL = "postgres://fleet@db:5432/fleet" }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			tc.set(&c)
			err := c.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected problems: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want+":")):
				t.Fatalf("want a problem of %s, got %v", tc.want, err)
			}
		})
	}
}

func TestInstallationID(t *testing.T) {
	c := Default()
	c.Root = "/srv/a"
	a := InstallationID(c)
	if !ValidInstallationID(a) {
		t.Fatalf("derived id %q is not valid", a)
	}
	if InstallationID(c) != a {
		t.Fatal("derived id is not stable")
	}
	c.Root = "/srv/b"
	if InstallationID(c) == a {
		t.Fatal("two roots on one host share an id")
	}
	c.Installation.ID = "eu-west"
	if InstallationID(c) != "eu-west" {
		t.Fatal("installation.id is not used")
	}
}

func TestBucketPrefix(t *testing.T) {
	o := Offsite{URL: "s3://bkt/a/b/"}
	b, p, ok := o.BucketPrefix()
	if !ok || b != "bkt" || p != "a/b" {
		t.Fatalf("got %q %q %v", b, p, ok)
	}
}
