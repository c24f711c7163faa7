package authlog

import (
	"fmt"
	"testing"
	"time"
)

func TestSummarizer(t *testing.T) {
	t0 := time.Date(2025, 6, 14, 8, 0, 0, 0, time.UTC)
	s := NewSummarizer(2)
	add := func(host, user string, at time.Duration, hasTime bool) {
		s.Add(Failure{Host: host, User: user, Time: t0.Add(at), HasTime: hasTime, Source: "sshd", Reason: "invalid-user"})
	}
	add("192.0.2.1", "b", time.Minute, true)
	add("192.0.2.1", "a", 0, true)
	add("192.0.2.1", "a", 2*time.Minute, true)
	add("192.0.2.1", "", 0, false)
	add("2001:db8::1", "root", 0, true)
	add("192.0.2.9", "x", 0, true) // a third host: over the limit
	for i := range 30 {
		add("2001:db8::1", fmt.Sprintf("u%02d", i), 0, true)
	}
	sum := s.Summary()
	if sum.Failures != 36 || sum.OtherFailures != 1 || len(sum.Hosts) != 2 {
		t.Fatalf("summary %+v", sum)
	}
	v6, v4 := sum.Hosts[0], sum.Hosts[1]
	if v6.Host != "2001:db8::1" || v6.Count != 31 || v6.UserCount != 31 || len(v6.Users) != MaxUsersPerHost || v6.Users[0] != "root" {
		t.Errorf("v6 %+v", v6)
	}
	if v4.Count != 4 || !v4.First.Equal(t0) || !v4.Last.Equal(t0.Add(2*time.Minute)) || fmt.Sprint(v4.Users) != "[a b]" || v4.UserCount != 2 {
		t.Errorf("v4 %+v", v4)
	}
	if fmt.Sprint(v4.Sources, v4.Reasons) != "[sshd] [invalid-user]" {
		t.Errorf("sources %v reasons %v", v4.Sources, v4.Reasons)
	}
}

func TestSummaryOrderTies(t *testing.T) {
	s := NewSummarizer(0)
	for _, h := range []string{"b.example", "a.example", "c.example", "c.example"} {
		s.Add(Failure{Host: h})
	}
	sum := s.Summary()
	if got := fmt.Sprint(sum.Hosts[0].Host, sum.Hosts[1].Host, sum.Hosts[2].Host); got != "c.examplea.exampleb.example" {
		t.Errorf("order %s", got)
	}
	if !sum.Hosts[0].First.IsZero() {
		t.Error("undated failures give no first_seen")
	}
}
