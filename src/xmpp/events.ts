// A minimal typed event emitter (no Node `events` in src/). Listener errors are not swallowed.
export class Emitter<Events extends Record<string, (...args: any[]) => void>> {
  #listeners: { [K in keyof Events]?: Events[K][] } = {};

  on<K extends keyof Events>(event: K, fn: Events[K]): () => void {
    (this.#listeners[event] ??= []).push(fn);
    return () => this.off(event, fn);
  }

  off<K extends keyof Events>(event: K, fn: Events[K]): void {
    const list = this.#listeners[event];
    if (list) this.#listeners[event] = list.filter((f) => f !== fn);
  }

  protected emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): void {
    for (const fn of this.#listeners[event] ?? []) fn(...args);
  }

  protected listenerCount(event: keyof Events): number {
    return this.#listeners[event]?.length ?? 0;
  }
}
