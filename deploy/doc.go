// Package deploy holds no code: it is the home of the deployment files for
// fleets of installations (kubernetes/: CronJobs and their config;
// ansible/: a role for VMs; container/: the image) and of the tests that
// check them without a cluster or a target host. The tests decode every
// manifest strictly into the official Kubernetes API types, check that the
// manifests agree with fossamaint's config (its own loader and schedule
// calculations), run ansible-playbook --syntax-check on the role, and
// build the static binary the image ships.
//
// Its tests may import internal/config, internal/runbook and
// internal/schedule (the window and the times the timers use); nothing
// imports it. internal/archtest checks these rules.
package deploy
