/** A cluster worker's end of the IPC channel to its primary (src/bus/cluster-messages.ts). */
import { isClusterMessage, type PrimaryMessage, type WorkerChannel } from '../../bus/cluster-messages.js';

export function primaryChannel(): WorkerChannel {
  return {
    send(message) {
      if (!process.connected || !process.send) throw new Error('no channel to the cluster primary');
      // The callback keeps a send racing the primary's death from becoming an 'error' event.
      process.send(message, undefined, {}, () => {});
    },
    onMessage(listener) {
      const onMessage = (message: unknown) => {
        if (isClusterMessage<PrimaryMessage>(message)) listener(message);
      };
      process.on('message', onMessage);
      return () => process.off('message', onMessage);
    },
    onClose(listener) {
      process.once('disconnect', listener);
      return () => process.off('disconnect', listener);
    },
  };
}

/** Tells the primary why this worker cannot start, and resolves once the message has left. */
export function reportStartFailure(message: string, exitCode: number): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || !process.send) {
      resolve();
      return;
    }
    process.send({ postyard: 1, kind: 'failed', message, exitCode }, undefined, {}, () => resolve());
  });
}
