#!/usr/bin/env python3
"""Runs Debian's getmail6 with its delivery fork race fixed, then exactly as `getmail ARGS...`.

getmail6 (6.18, getmailcore/baseclasses.py ForkingBase.forkchild) forks the delivery child first and
installs its SIGCHLD handler afterwards. A child that exits before that (common on a loaded machine) is
never noticed: getmail waits 60 s on a condition, fails with "waiting child pid timed out", and the
message it already delivered is fetched again next time. Seen in our tests as getmail hanging after
"msg 1/3 delivered" (the process blocked on a futex, the child a zombie). Here the handler is installed
before fork() (the handler reaps with waitpid on the child's pid, or any child while that is not known
yet) and the child goes back to the default SIGCHLD disposition; and the parent waits only while the
child has not been reaped (the original waits for a notification that may already have been sent).
Nothing else of getmail changes.
"""
import os
import runpy
import signal
import sys

from argparse import Namespace

from getmailcore import baseclasses


def forkchild(self, childfun, with_out=True):
    self.child = child = Namespace()
    child.stdout = baseclasses.TemporaryFile23()
    child.stderr = baseclasses.TemporaryFile23()
    child.childpid = -1  # waitpid(-1): any child, should it exit before fork() returns here
    self._prepare_child()
    pid = os.fork()
    if pid == 0:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        childfun(child.stdout, child.stderr)
        return None
    child.childpid = pid
    self.log.debug('spawned child %d\n' % pid)
    child.exitcode = self._wait_for_child(pid)
    child.stderr.seek(0)
    child.err = child.stderr.read().strip().decode()
    child.stdout.seek(0)
    if with_out:
        child.out = child.stdout.read().strip()
    return child


def wait_for_child(self, childpid):
    exited = self._ForkingBase__child_exited
    with exited:
        exited.wait_for(lambda: self._ForkingBase__child_status is not None, timeout=60)
    if self._ForkingBase__child_status is None:
        raise baseclasses.getmailOperationError('waiting child pid %d timed out' % childpid)
    status = self._ForkingBase__child_status
    if self._ForkingBase__child_pid != childpid:
        raise baseclasses.getmailOperationError(
            'got child pid %d, not %d' % (self._ForkingBase__child_pid, childpid))
    if not os.WIFEXITED(status):
        raise baseclasses.getmailOperationError('child pid %d failed to exit normally' % childpid)
    return os.WEXITSTATUS(status)


baseclasses.ForkingBase.forkchild = forkchild
baseclasses.ForkingBase._wait_for_child = wait_for_child
sys.argv[0] = '/usr/bin/getmail'
runpy.run_path('/usr/bin/getmail', run_name='__main__')
