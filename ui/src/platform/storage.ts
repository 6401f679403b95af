/** A small key-value store (Web Storage in the browser). Never throws. */
export interface KeyValueStore {
  get(key: string): string | null;
  set(key: string, value: string): void;
  remove(key: string): void;
}

/** Keeps values in memory only: used where Web Storage is blocked (e.g. third-party iframes). */
export function memoryStore(): KeyValueStore {
  const values = new Map<string, string>();
  return {
    get: (key) => values.get(key) ?? null,
    set: (key, value) => void values.set(key, value),
    remove: (key) => void values.delete(key),
  };
}

export function webStorage(pick: () => Storage): KeyValueStore {
  let storage: Storage | null = null;
  try {
    storage = pick();
    const probe = "pforte.probe";
    storage.setItem(probe, "1");
    storage.removeItem(probe);
  } catch {
    storage = null;
  }
  if (!storage) return memoryStore();
  const s = storage;
  return {
    get(key) {
      try {
        return s.getItem(key);
      } catch {
        return null;
      }
    },
    set(key, value) {
      try {
        s.setItem(key, value);
      } catch {
        // full or blocked: the value simply is not kept
      }
    },
    remove(key) {
      try {
        s.removeItem(key);
      } catch {
        // ignore
      }
    },
  };
}
