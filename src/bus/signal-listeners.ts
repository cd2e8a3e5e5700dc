/** The listeners of Coordinator.onSignal by topic, shared by every Coordinator implementation. */
import type { SignalListener } from './coordinator.js';

export class SignalListeners {
  private readonly byTopic = new Map<string, Set<SignalListener>>();

  /** Returns an unsubscribe function. */
  add(topic: string, listener: SignalListener): () => void {
    let set = this.byTopic.get(topic);
    if (!set) {
      set = new Set();
      this.byTopic.set(topic, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.byTopic.delete(topic);
    };
  }

  deliver(topic: string, payload: string): void {
    for (const listener of this.byTopic.get(topic) ?? []) {
      try {
        listener(payload);
      } catch {
        // A signal is a best-effort wake-up; one broken listener must not stop the others.
      }
    }
  }
}
