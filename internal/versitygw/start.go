package versitygw

import (
	"os/exec"
	"runtime"
)

// startAndWait starts cmd on a goroutine that then waits for it, and
// returns once it started; done receives Wait's result. With a parent
// death signal (Linux) that goroutine stays locked to its OS thread for
// the child's life: the signal fires when the thread that started the
// child ends, and Go ends a thread only when a goroutine locked to it
// returns, which this one does after the child has exited.
func startAndWait(cmd *exec.Cmd, detach bool) (done <-chan error, err error) {
	started := make(chan error, 1)
	exited := make(chan error, 1)
	go func() {
		if deathSignal && !detach {
			runtime.LockOSThread()
		}
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		exited <- cmd.Wait()
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return exited, nil
}
