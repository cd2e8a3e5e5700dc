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
