package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/testutil/syncbuf"
)

// SIGUSR1 takes a savepoint under --savepoint-dir and the job runs on;
// SIGTERM then stops it with a savepoint into the directory itself. No
// checkpointing is configured: savepoints do not need it.
func TestSavepointSignals(t *testing.T) {
	bin := sluiceBinary(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "job.sql")
	if err := os.WriteFile(script, []byte(`
SET 'parallelism.default' = '2';
CREATE TABLE src (k INT, v BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '2000',
  'fields.k.min' = '1', 'fields.k.max' = '100');
CREATE TABLE dst (k INT, c BIGINT, s BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO dst SELECT k, COUNT(*), SUM(v) FROM src GROUP BY k;
`), 0o644); err != nil {
		t.Fatal(err)
	}
	sp := filepath.Join(dir, "sp")
	cmd := exec.Command(bin, "run", "--savepoint-dir", sp, script)
	var stderr syncbuf.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer cmd.Process.Kill()
	waitFor := func(what string) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if strings.Contains(stderr.String(), what) {
				return
			}
			select {
			case err := <-done:
				t.Fatalf("sluice ended (%v) before %q:\n%s", err, what, stderr.String())
			default:
			}
		}
		t.Fatalf("no %q after 30 s:\n%s", what, stderr.String())
	}

	time.Sleep(500 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGUSR1)
	waitFor("savepoint written to " + filepath.Join(sp, "savepoint-"))
	taken, _ := filepath.Glob(filepath.Join(sp, "savepoint-*", "job-0", "_metadata"))
	if len(taken) != 1 {
		t.Fatalf("savepoints under %s after SIGUSR1: %v\n%s", sp, taken, stderr.String())
	}
	select {
	case err := <-done:
		t.Fatalf("the job stopped after SIGUSR1 (%v):\n%s", err, stderr.String())
	case <-time.After(300 * time.Millisecond):
	}

	cmd.Process.Signal(syscall.SIGTERM)
	if err := <-done; err != nil {
		t.Fatalf("stop with savepoint: %v\n%s", err, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(sp, "job-0", "_metadata")); err != nil {
		t.Fatalf("no stop-with-savepoint: %v\n%s", err, stderr.String())
	}
}
