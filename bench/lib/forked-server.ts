/**
 * A benchmark's Postyard in its own process (like the reference servers): the bench script forks itself
 * in a serving mode, which sends one message (its ports) once listening and stops on any message back.
 */
import { fork } from 'node:child_process';

export interface ForkedServer<Ports> {
  ports: Ports;
  stop(): Promise<void>;
}

/** Forks `script` (a bench's own file) with `args` and resolves with the first message it sends. */
export async function startForkedServer<Ports>(script: string, args: string[]): Promise<ForkedServer<Ports>> {
  const child = fork(script, args, { stdio: 'inherit' });
  const ports = await new Promise<Ports>((resolve, reject) => {
    child.once('message', (m) => resolve(m as Ports));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return {
    ports,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send('stop');
      await exited;
    },
  };
}
